"""Texts in the person's language, from gettext catalogs; dates in their language and zone.

The English texts are the catalog template ``bot/locale/messages.pot``: in every entry,
``msgctxt`` is the stable key the code names (``t(lang, "join.done", role=…)``) and
``msgid`` (with ``msgid_plural`` where a count decides the form) is the English text.
Every other language is one file, ``bot/locale/<lang>/LC_MESSAGES/messages.po``, made from
the template with ``pybabel init`` and kept in step with ``pybabel update`` (README,
"Translating"). The catalogs are compiled in memory the first time a text is needed, so
nothing compiled is shipped or can go stale, and a read-only install works.

A text that a language's catalog lacks (untranslated, or marked fuzzy after the English
changed) is the English one; a test lists every such text and every placeholder that
differs between the languages. Texts use ``str.format`` placeholders (``{name}``).
"""

from __future__ import annotations

import gettext
import io
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
"""Where the catalogs are: ``messages.pot`` (English) and ``<lang>/LC_MESSAGES/messages.po``."""

DOMAIN = "messages"
SOURCE = "en"
"""The language of the template, and of every text a catalog lacks."""


class Catalogs:
    """The texts of one locale directory: the English template and a catalog per language.

    Args:
        locale_dir: A directory with ``messages.pot`` and any number of
            ``<lang>/LC_MESSAGES/messages.po``; each of those is a language.
    """

    def __init__(self, locale_dir: Path = LOCALE_DIR) -> None:
        with (locale_dir / f"{DOMAIN}.pot").open("rb") as template:
            english = read_po(template, domain=DOMAIN)
        self._english: dict[str, str | tuple[str, str]] = {}
        for message in english:
            if message.id and message.context:
                msgid = message.id
                self._english[message.context] = (
                    msgid if isinstance(msgid, str) else (msgid[0], msgid[1])
                )
        self._translations: dict[str, gettext.NullTranslations] = {
            path.parents[1].name: _compile(path)
            for path in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
        }
        self.languages: tuple[str, ...] = (SOURCE, *sorted(set(self._translations) - {SOURCE}))

    def known(self, key: str) -> bool:
        """Whether the template has a text for ``key``."""
        return key in self._english

    def lang_of(self, locale: str | None) -> str:
        """The language with a catalog that fits a Slack locale (``de-AT`` → ``de``), else
        English."""
        wanted = (locale or "").replace("-", "_")
        for candidate in (wanted, wanted.split("_")[0].lower()):
            if candidate in self.languages:
                return candidate
        return SOURCE

    def text(self, lang: str, key: str, /, **values: object) -> str:
        """The text for ``key`` in ``lang``, its placeholders filled with ``values``.

        Raises:
            KeyError: The template has no text ``key`` (a programming error).
            TypeError: ``key`` has plural forms; :meth:`plural` renders it.
        """
        msgid = self._english[key]
        if not isinstance(msgid, str):
            raise TypeError(f"{key!r} has plural forms: render it with tn()")
        text = self._for(lang).pgettext(key, msgid)
        return text.format(**values) if values else text

    def plural(self, lang: str, key: str, n: int, /, **values: object) -> str:
        """The form of ``key`` that agrees with the number ``n`` in ``lang`` (gettext's
        ``npgettext``), its placeholders filled with ``values``.

        Raises:
            KeyError: The template has no text ``key`` (a programming error).
            TypeError: ``key`` has no plural forms; :meth:`text` renders it.
        """
        msgid = self._english[key]
        if isinstance(msgid, str):
            raise TypeError(f"{key!r} has no plural forms: render it with t()")
        return self._for(lang).npgettext(key, msgid[0], msgid[1], n).format(**values)

    def _for(self, lang: str) -> gettext.NullTranslations:
        return self._translations.get(lang) or _ENGLISH


_ENGLISH = gettext.NullTranslations()


def _compile(po_file: Path) -> gettext.GNUTranslations:
    """A ``.po`` catalog compiled to ``.mo`` in memory, without its fuzzy entries."""
    with po_file.open("rb") as source:
        catalog = read_po(source, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@cache
def catalogs() -> Catalogs:
    """The bot's own catalogs, loaded once."""
    return Catalogs(LOCALE_DIR)


def t(lang: str, key: str, /, **values: object) -> str:
    """The text for ``key`` in ``lang`` (English when ``lang`` has no catalog or the catalog
    lacks the text), its ``{placeholders}`` filled with ``values``.

    Raises:
        KeyError: There is no text ``key`` (a programming error, caught by tests).
    """
    return catalogs().text(lang, key, **values)


def tn(lang: str, key: str, n: int, /, **values: object) -> str:
    """Like :func:`t` for a text with plural forms: the form that agrees with ``n``."""
    return catalogs().plural(lang, key, n, **values)


def known(key: str) -> bool:
    """Whether there is a text ``key`` (for keys made from data, such as Slack error codes)."""
    return catalogs().known(key)


def languages() -> tuple[str, ...]:
    """The languages with texts: English and one per catalog."""
    return catalogs().languages


def lang_of(locale: str | None) -> str:
    """The language for a Slack locale: ``de`` for de-DE, de-AT, de-CH…; English when there
    is no catalog for it."""
    return catalogs().lang_of(locale)


def zone(tz: str | None) -> ZoneInfo:
    """The person's time zone, UTC when unknown."""
    try:
        return ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def fmt_date(value: datetime, lang: str, tz: str | None) -> str:
    """A date like "15 Dec 2026" / "15.12.2026" in the person's zone."""
    return format_date(value.astimezone(zone(tz)).date(), format="medium", locale=lang)


def fmt_datetime(value: datetime, lang: str, tz: str | None) -> str:
    """A weekday, date and time in the person's zone and language, e.g.
    "Tuesday, December 1, 2026, 9:00 AM" / "Dienstag, 1. Dezember 2026, 15:00"."""
    local = value.astimezone(zone(tz))
    day = format_date(local.date(), format="full", locale=lang)
    return f"{day}, {format_time(local, format='short', locale=lang)}"
