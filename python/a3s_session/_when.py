"""Points in time given on the command line (``--since``/``--until``) and time zones
(``--tz``), shared by search and usage accounting."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["parse_moment", "parse_zone"]

_RELATIVE = re.compile(r"^(\d+)\s*([hdw])$")
_UNITS = {"h": dt.timedelta(hours=1), "d": dt.timedelta(days=1), "w": dt.timedelta(weeks=1)}


def parse_zone(name: str | None) -> dt.tzinfo:
    """``None``/``local``: this machine's zone; ``UTC``; an IANA name (``Europe/Paris``)."""
    if name is None or name == "local":
        local = dt.datetime.now().astimezone().tzinfo
        return local if local is not None else dt.timezone.utc
    if name.upper() in ("UTC", "Z"):
        return dt.timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (an IANA name such as Europe/Paris, or UTC)")


def parse_moment(
    text: str | dt.datetime | dt.date, tz: dt.tzinfo, *, now: dt.datetime | None = None
) -> dt.datetime:
    """An aware datetime from ``2026-11-30``, ``2026-11-30T14:00``, ``20261130`` (a date is
    its midnight in ``tz``), or ``7d``/``2w``/``12h`` (that long before now)."""
    if isinstance(text, dt.datetime):
        return text if text.tzinfo is not None else text.replace(tzinfo=tz)
    if isinstance(text, dt.date):
        return dt.datetime.combine(text, dt.time(), tzinfo=tz)
    value = text.strip()
    relative = _RELATIVE.match(value)
    if relative:
        current = now if now is not None else dt.datetime.now(dt.timezone.utc)
        return current - int(relative.group(1)) * _UNITS[relative.group(2)]
    if re.fullmatch(r"\d{8}", value):
        value = f"{value[:4]}-{value[4:6]}-{value[6:]}"
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"not a date or time: {text!r} (use 2026-11-30, 2026-11-30T14:00, or 7d / 2w / 12h)"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)
