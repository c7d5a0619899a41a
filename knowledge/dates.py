"""The knowledge base's "today": the project clock's date in Asia/Shanghai."""

from __future__ import annotations

import datetime as dt

from hotline.core import clock


def today() -> dt.date:
    """Return today's date where the hotline works, from ``hotline.core.clock.now`` (what tests set).

    Validity windows (valid_from / valid_to) are calendar days of the centre, not of the server's time zone:
    ``date.today()`` on a UTC server would keep a lapsed article searchable until 08:00 Beijing time.
    """
    return clock.to_local(clock.now()).date()
