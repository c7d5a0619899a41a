"""智能回访 by link: after the approved reply the citizen rates through a one-time link (source ``citizen_link``)."""
