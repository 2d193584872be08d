"""The warehouse's one clock: the province's time zone, `now()` and `today()`.

Why one: a night that starts at 23:30 in Đắk Lắk is already tomorrow in UTC, and the machine's own
zone is whatever the server was set up with. Every connection runs in `TZ` (warehouse.db.connect),
so SQL's `current_date` and `now()` agree with these functions whatever zone the machine is in.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

TZ_NAME = "Asia/Ho_Chi_Minh"
TZ = ZoneInfo(TZ_NAME)


def now() -> dt.datetime:
    """This instant in the province, to the second (an aware datetime)."""
    return dt.datetime.now(TZ).replace(microsecond=0)


def today() -> dt.date:
    """Today's date in the province: what `current_date` gives on a warehouse connection."""
    return dt.datetime.now(TZ).date()
