"""Which country an IANA time zone is in, and that country's public holidays.

Pure, like :mod:`bot.sessions.schedule`, which uses it to move sessions off holidays.

:func:`country_of` maps an IANA zone to an ISO 3166 country code from the tz database's
``zone.tab`` (system zoneinfo directories, else the ``tzdata`` package), else from a
built-in table. A zone gives no German federal state (Land), so only national holidays
are used unless the caller passes a ``subdivision`` it has learnt some other way.
Weekends are Saturday and Sunday everywhere.
"""

from __future__ import annotations

import functools
import logging
import re
import zoneinfo
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Final

import holidays

logger = logging.getLogger(__name__)


# ------------------------------------------------------------------ holidays


def is_public_holiday(day: date, country: str | None, *, subdivision: str | None = None) -> bool:
    """Whether ``day`` is a public holiday in ``country``.

    Uses the ``holidays`` package's public holidays, including the observed days it lists
    (in the US, Friday 2026-07-03 for Independence Day on a Saturday). Without a
    subdivision only national holidays count: a time zone does not say which German Land
    (or US state) someone works in.

    Args:
        day: The local date.
        country: ISO 3166 alpha-2 code (``"DE"``); ``None`` or a country the ``holidays``
            package does not know means no holidays.
        subdivision: A subdivision code the package knows (``"BY"`` for Bavaria); an unknown
            one falls back to the national holidays.

    Returns:
        True on a public holiday.
    """
    if not country:
        return False
    return day in _holiday_dates(country.upper(), subdivision, day.year)


@functools.lru_cache(maxsize=512)
def _holiday_dates(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    try:
        table = holidays.country_holidays(country, subdiv=subdivision, years=year)
    except NotImplementedError:
        if subdivision is None:
            logger.debug("no holiday calendar for country %r", country)
            return frozenset()
        logger.warning(
            "unknown subdivision %r of %r; using national holidays", subdivision, country
        )
        return _holiday_dates(country, None, year)
    return frozenset(table)


# ----------------------------------------------------------------- countries

#: Used where the system has no ``zone.tab`` (and for a few old alias names it never lists).
# fmt: off
_BUILTIN_COUNTRIES: Final[Mapping[str, str]] = {
    # Europe
    "Europe/Amsterdam": "NL", "Europe/Andorra": "AD", "Europe/Athens": "GR",
    "Europe/Belgrade": "RS", "Europe/Berlin": "DE", "Europe/Bratislava": "SK",
    "Europe/Brussels": "BE", "Europe/Bucharest": "RO", "Europe/Budapest": "HU",
    "Europe/Busingen": "DE", "Europe/Chisinau": "MD", "Europe/Copenhagen": "DK",
    "Europe/Dublin": "IE", "Europe/Gibraltar": "GI", "Europe/Guernsey": "GG",
    "Europe/Helsinki": "FI", "Europe/Isle_of_Man": "IM", "Europe/Istanbul": "TR",
    "Europe/Jersey": "JE", "Europe/Kaliningrad": "RU", "Europe/Kyiv": "UA",
    "Europe/Kiev": "UA", "Europe/Lisbon": "PT", "Europe/Ljubljana": "SI",
    "Europe/London": "GB", "Europe/Luxembourg": "LU", "Europe/Madrid": "ES",
    "Europe/Malta": "MT", "Europe/Mariehamn": "AX", "Europe/Minsk": "BY",
    "Europe/Monaco": "MC", "Europe/Moscow": "RU", "Europe/Oslo": "NO", "Europe/Paris": "FR",
    "Europe/Podgorica": "ME", "Europe/Prague": "CZ", "Europe/Riga": "LV", "Europe/Rome": "IT",
    "Europe/San_Marino": "SM", "Europe/Sarajevo": "BA", "Europe/Skopje": "MK",
    "Europe/Sofia": "BG", "Europe/Stockholm": "SE", "Europe/Tallinn": "EE",
    "Europe/Tirane": "AL", "Europe/Vaduz": "LI", "Europe/Vatican": "VA",
    "Europe/Vienna": "AT", "Europe/Vilnius": "LT", "Europe/Warsaw": "PL",
    "Europe/Zagreb": "HR", "Europe/Zurich": "CH", "Atlantic/Canary": "ES",
    "Atlantic/Madeira": "PT", "Atlantic/Azores": "PT", "Atlantic/Reykjavik": "IS",
    "Atlantic/Faroe": "FO", "Africa/Ceuta": "ES", "Asia/Nicosia": "CY",
    # North America
    "America/New_York": "US", "America/Chicago": "US", "America/Denver": "US",
    "America/Phoenix": "US", "America/Los_Angeles": "US", "America/Anchorage": "US",
    "America/Adak": "US", "America/Boise": "US", "America/Detroit": "US",
    "America/Indiana/Indianapolis": "US", "America/Kentucky/Louisville": "US",
    "Pacific/Honolulu": "US", "US/Eastern": "US", "US/Central": "US", "US/Mountain": "US",
    "US/Pacific": "US", "US/Arizona": "US", "US/Alaska": "US", "US/Hawaii": "US",
    "America/Toronto": "CA", "America/Vancouver": "CA", "America/Edmonton": "CA",
    "America/Winnipeg": "CA", "America/Halifax": "CA", "America/St_Johns": "CA",
    "America/Regina": "CA", "America/Montreal": "CA", "Canada/Eastern": "CA",
    "Canada/Pacific": "CA", "America/Mexico_City": "MX", "America/Monterrey": "MX",
    "America/Tijuana": "MX", "America/Cancun": "MX", "America/Puerto_Rico": "PR",
    "America/Panama": "PA", "America/Costa_Rica": "CR", "America/Guatemala": "GT",
    # Asia
    "Asia/Tokyo": "JP", "Asia/Seoul": "KR", "Asia/Shanghai": "CN", "Asia/Hong_Kong": "HK",
    "Asia/Taipei": "TW", "Asia/Singapore": "SG", "Asia/Kuala_Lumpur": "MY",
    "Asia/Bangkok": "TH", "Asia/Jakarta": "ID", "Asia/Manila": "PH",
    "Asia/Ho_Chi_Minh": "VN", "Asia/Kolkata": "IN", "Asia/Calcutta": "IN",
    "Asia/Karachi": "PK", "Asia/Dhaka": "BD", "Asia/Colombo": "LK", "Asia/Kathmandu": "NP",
    "Asia/Dubai": "AE", "Asia/Riyadh": "SA", "Asia/Qatar": "QA", "Asia/Jerusalem": "IL",
    "Asia/Tel_Aviv": "IL", "Asia/Tehran": "IR", "Asia/Almaty": "KZ", "Asia/Tashkent": "UZ",
    "Asia/Yerevan": "AM", "Asia/Tbilisi": "GE", "Asia/Baku": "AZ",
    # elsewhere, the large ones
    "Australia/Sydney": "AU", "Australia/Melbourne": "AU", "Australia/Brisbane": "AU",
    "Australia/Perth": "AU", "Australia/Adelaide": "AU", "Pacific/Auckland": "NZ",
    "America/Sao_Paulo": "BR", "America/Argentina/Buenos_Aires": "AR",
    "America/Santiago": "CL", "America/Bogota": "CO", "America/Lima": "PE",
    "Africa/Johannesburg": "ZA", "Africa/Cairo": "EG", "Africa/Lagos": "NG",
    "Africa/Nairobi": "KE", "Africa/Casablanca": "MA",
}
# fmt: on

_ZONE_NAME: Final = re.compile(r"[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*")


def country_of(tz: str | None) -> str | None:
    """The ISO 3166 country code of an IANA time zone.

    From the tz database's ``zone.tab`` (the system's zoneinfo directories, else the
    ``tzdata`` package; ``zone1970.tab``'s first country when only that file exists), with a
    built-in table behind it. An alias the table lacks is followed through the system's
    zoneinfo symlinks (``US/Eastern`` -> ``America/New_York``).

    Args:
        tz: An IANA zone name such as ``"Europe/Berlin"``, or ``None``.

    Returns:
        The upper-case code (``"DE"``), or ``None`` for ``None``, ``"UTC"``, ``Etc/*``
        zones and anything unknown.
    """
    if not tz:
        return None
    return _country_of(tz.strip())


@functools.lru_cache(maxsize=1024)
def _country_of(tz: str) -> str | None:
    if not _ZONE_NAME.fullmatch(tz):
        return None
    table = _zone_countries()
    if tz in table:
        return table[tz]
    for directory in zoneinfo.TZPATH:
        path = Path(directory, tz)
        if path.is_symlink():
            try:
                target = path.resolve().relative_to(Path(directory).resolve()).as_posix()
            except (OSError, ValueError):
                continue
            return table.get(target)
    return None


@functools.cache
def _zone_countries() -> Mapping[str, str]:
    """Zone name -> country code: the tz database's table over the built-in one."""
    table = dict(_BUILTIN_COUNTRIES)
    text = _tz_file("zone.tab")
    if text is None:
        text = _tz_file("zone1970.tab")
    if text is None:
        logger.info("no zone.tab found; using the built-in zone -> country table")
        return table
    table.update(parse_zone_tab(text))
    return table


def parse_zone_tab(text: str) -> dict[str, str]:
    """Parse ``zone.tab`` or ``zone1970.tab`` into zone name -> country code.

    Args:
        text: The file's content.

    Returns:
        One entry per zone row; for ``zone1970.tab``'s lists (``"CH,DE,LI"``) the first code,
        the country the zone's main location is in.
    """
    table: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) >= 3:
            table[fields[2].strip()] = fields[0].split(",")[0].strip().upper()
    return table


def _tz_file(name: str) -> str | None:
    """A file of the tz database: system zoneinfo directories first, then ``tzdata``."""
    for directory in zoneinfo.TZPATH:
        path = Path(directory, name)
        try:
            return path.read_text(encoding="utf-8")
        except OSError:
            continue
    try:
        from importlib.resources import files

        return files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError):
        return None
