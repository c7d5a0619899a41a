"""People, roles, login and API tokens."""
