"""Texts: every catalog complete, a missing text English, user text escaped, crypto sound."""

from __future__ import annotations

import shutil
import string
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

from bot.announcements.progress import Progress
from bot.announcements.views import build_announce_held, build_announce_progress
from bot.core import i18n
from bot.core.crypto import Vault, generate_key
from bot.core.i18n import fmt_date, lang_of, t, tn
from bot.slack.text import clean, escape


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _forms(message: Message) -> tuple[str, ...]:
    return (message.id,) if isinstance(message.id, str) else tuple(message.id)


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=locale)


def _entries(catalog: Catalog) -> dict[str, Message]:
    return {m.context: m for m in catalog if m.id and m.context}


def _problems(template: Catalog, catalog: Catalog) -> list[str]:
    """What a catalog lacks against the template, or gets wrong, one line each."""
    problems = []
    translated = _entries(catalog)
    for key, english in _entries(template).items():
        message = translated.get(key)
        strings = () if message is None else _strings(message)
        if message is None or message.id != english.id or message.fuzzy or not all(strings):
            problems.append(f"{key}: not translated")
            continue
        for n, text in enumerate(strings):
            wanted = _fields(_forms(english)[min(n, len(_forms(english)) - 1)])
            if _fields(text) != wanted:
                problems.append(f"{key}: placeholders {sorted(_fields(text))} != {sorted(wanted)}")
    problems += [f"{key}: not in the template" for key in translated.keys() - _entries(template)]
    return problems


def _strings(message: Message) -> tuple[str, ...]:
    return (message.string,) if isinstance(message.string, str) else tuple(message.string)


def _catalog_files() -> list[Path]:
    return sorted(i18n.LOCALE_DIR.glob("*/LC_MESSAGES/messages.po"))


def test_the_languages_are_english_and_one_per_catalog() -> None:
    catalogs = [p.parents[1].name for p in _catalog_files()]
    assert "de" in catalogs
    assert i18n.languages() == ("en", *catalogs)


@pytest.mark.parametrize("po_file", _catalog_files(), ids=lambda p: p.parents[1].name)
def test_every_text_is_translated_with_the_same_placeholders(po_file: Path) -> None:
    template = _read(i18n.LOCALE_DIR / "messages.pot")
    catalog = _read(po_file, po_file.parents[1].name)
    assert catalog.num_plurals == len(Locale.parse(catalog.locale).plural_form.rules) + 1
    assert _problems(template, catalog) == []


def test_every_english_text_has_a_key_and_consistent_placeholders() -> None:
    template = _read(i18n.LOCALE_DIR / "messages.pot")
    messages = [m for m in template if m.id]
    assert all(m.context for m in messages)
    assert len({m.context for m in messages}) == len(messages)
    for message in messages:
        assert not any(_strings(message)), message.context
        singular, *plural = _forms(message)
        for text in plural:  # the plural may drop the count only where the singular does
            assert _fields(text) == _fields(singular), message.context


def test_german_and_english_differ() -> None:
    catalog = _read(i18n.LOCALE_DIR / "de" / "LC_MESSAGES" / "messages.po", "de")
    same = [m.context for m in catalog if m.id and _strings(m) == _forms(m)]
    assert same == ["help.admin", "match.report"]  # the latter only joins two counts


def test_plural_forms_agree_with_the_count() -> None:
    assert t("en", "cadence.weekly") == "every week"
    assert tn("en", "match.report.people", 1, count=1) == "1 person on the waiting list"
    assert tn("en", "match.report.people", 0, count=0) == "0 people on the waiting list"
    assert tn("de", "match.report.people", 1, count=1) == "1 Person auf der Warteliste"
    assert tn("de", "match.report.people", 2, count=2) == "2 Personen auf der Warteliste"
    assert tn("de", "announce.confirmed", 1, members="1").endswith("an 1 aktives Mitglied.")
    assert tn("fr", "match.report.pairs", 1, count=1) == "1 pair proposed"
    with pytest.raises(TypeError):
        t("en", "match.report.pairs")
    with pytest.raises(TypeError):
        tn("en", "cadence.weekly", 2)
    with pytest.raises(KeyError):
        t("en", "no.such.text")
    assert i18n.known("announce.reason.is_archived")
    assert not i18n.known("announce.reason.no_such_error")


def _copy_template(tmp_path: Path) -> Path:
    shutil.copy(i18n.LOCALE_DIR / "messages.pot", tmp_path / "messages.pot")
    return tmp_path


def _edit(po_file: Path, locale: str, changes: dict[str, object]) -> None:
    """Give the entries named in ``changes`` a new msgstr (None: remove the entry)."""
    catalog = _read(po_file, locale)
    for key, text in changes.items():
        [message] = [m for m in catalog if m.context == key]
        if text is None:
            catalog.delete(message.id, context=key)
        else:
            message.string = text  # type: ignore[assignment]
    with po_file.open("wb") as out:
        write_po(out, catalog)


def test_a_missing_or_fuzzy_translation_is_english(tmp_path: Path) -> None:
    locale_dir = _copy_template(tmp_path)
    po_file = locale_dir / "de" / "LC_MESSAGES" / "messages.po"
    po_file.parent.mkdir(parents=True)
    shutil.copy(i18n.LOCALE_DIR / "de" / "LC_MESSAGES" / "messages.po", po_file)
    _edit(po_file, "de", {"forget.button": None, "intro.accept": "", "match.report.pairs": None})
    text = po_file.read_text(encoding="utf-8")
    po_file.write_text(
        text.replace('msgctxt "intro.decline"', '#, fuzzy\nmsgctxt "intro.decline"'),
        encoding="utf-8",
    )
    catalogs = i18n.Catalogs(locale_dir)
    assert catalogs.text("de", "forget.button") == "Delete my data"
    assert catalogs.text("de", "intro.accept") == "Yes, let's start"
    assert catalogs.text("de", "intro.decline") == "No, thanks"
    assert catalogs.plural("de", "match.report.pairs", 1, count=1) == "1 pair proposed"
    assert catalogs.plural("de", "match.report.pairs", 3, count=3) == "3 pairs proposed"
    assert catalogs.text("de", "forget.done").startswith("Alle deine Daten wurden gelöscht")
    template = _read(locale_dir / "messages.pot")
    assert _problems(template, _read(po_file, "de")) == [
        "forget.button: not translated",
        "match.report.pairs: not translated",
        "intro.accept: not translated",
        "intro.decline: not translated",
    ]


def test_a_third_language_is_one_catalog_file(tmp_path: Path) -> None:
    locale_dir = _copy_template(tmp_path)
    pybabel = CommandLineInterface()
    pybabel.run(
        ["pybabel", "-q", "init", "-i", str(locale_dir / "messages.pot")]
        + ["-d", str(locale_dir), "-D", "messages", "-l", "fr"]
    )
    po_file = locale_dir / "fr" / "LC_MESSAGES" / "messages.po"
    _edit(
        po_file,
        "fr",
        {
            "cadence.weekly": "chaque semaine",
            # CLDR's French has three forms: 0 and 1; a million; the others
            "match.report.pairs": (
                "{count} tandem proposé",
                "{count} de tandems proposés",
                "{count} tandems proposés",
            ),
        },
    )
    catalogs = i18n.Catalogs(locale_dir)
    assert catalogs.languages == ("en", "fr")
    assert catalogs.lang_of("fr-FR") == "fr" and catalogs.lang_of("de-DE") == "en"
    assert catalogs.text("fr", "cadence.weekly") == "chaque semaine"
    assert catalogs.plural("fr", "match.report.pairs", 0, count=0) == "0 tandem proposé"
    assert catalogs.plural("fr", "match.report.pairs", 2, count=2) == "2 tandems proposés"
    million = catalogs.plural("fr", "match.report.pairs", 10**6, count=10**6)
    assert million == "1000000 de tandems proposés"
    assert catalogs.text("fr", "cadence.monthly") == "every month"  # not translated yet
    assert fmt_date(datetime(2026, 12, 15, 12, tzinfo=UTC), "fr", "UTC") == "15 déc. 2026"


@pytest.mark.parametrize(
    ("locale", "lang"),
    [
        ("de-DE", "de"),
        ("de-AT", "de"),
        ("de-CH", "de"),
        ("en-US", "en"),
        ("fr-FR", "en"),
        (None, "en"),
        ("", "en"),
    ],
)
def test_language_from_locale(locale: str | None, lang: str) -> None:
    assert lang_of(locale) == lang


def test_dates_in_the_persons_language_and_zone() -> None:
    moment = datetime(2026, 12, 14, 23, 30, tzinfo=UTC)
    assert fmt_date(moment, "de", "Europe/Berlin") == "15.12.2026"
    assert fmt_date(moment, "en", "America/New_York") == "Dec 14, 2026"
    assert t("de", "unknown", sub="x").startswith("`/mentor x`")


def test_escape_defuses_mentions_and_links() -> None:
    assert escape("<!channel> & <@U1|x>") == "&lt;!channel&gt; &amp; &lt;@U1|x&gt;"


def test_clean_strips_control_characters_and_enforces_length() -> None:
    assert clean("  Sales\x00 ", max_length=10) == "Sales"
    assert clean("   ", max_length=10) is None
    with pytest.raises(ValueError):
        clean("x" * 11, max_length=10)


def test_vault_round_trip_and_keyed_hash() -> None:
    vault = Vault(generate_key())
    token = vault.encrypt("Ich habe gelernt, wie man Prompts schreibt")
    assert "Prompts" not in token
    assert vault.decrypt(token) == "Ich habe gelernt, wie man Prompts schreibt"
    assert vault.user_key("U1") == vault.user_key("U1")
    assert vault.user_key("U1") != vault.user_key("U2")
    assert Vault(generate_key()).user_key("U1") != vault.user_key("U1")
    assert len(vault.user_key("U1")) == 64


def _progress(members: int, sent: int, failed: int = 0) -> Progress:
    return Progress(
        audience="board",
        members=members,
        sent=sent,
        skipped=0,
        pending=0,
        failed=Counter({"account_inactive": failed} if failed else {}),
        channels_sent=[],
        channels_failed={},
    )


def test_announcement_texts_agree_with_their_counts() -> None:
    assert build_announce_held("en", 1, 1)[0].startswith(
        "You sent this same announcement 1 second ago"
    )
    assert "vor 30 Sekunden geschickt" in build_announce_held("de", 1, 30)[0]
    # "fewer than 5" counts as many
    done = build_announce_progress("en", _progress(members=3, sent=2, failed=1))[0]
    assert done.endswith("all but fewer than 5 of fewer than 5 active members.")
    done = build_announce_progress("de", _progress(members=20, sent=10, failed=10))[0]
    assert done.endswith("zugestellt an 10 von 20 aktiven Mitgliedern.")
    failed = build_announce_progress("en", _progress(members=8, sent=7, failed=1))[1]
    assert "Slack answered" not in str(failed) and "the account is deactivated" in str(failed)


def test_a_failure_reason_slack_does_not_document_is_its_code() -> None:
    progress = replace(_progress(members=10, sent=0), failed=Counter({"made_up<&>": 10}))
    assert "Slack answered `made_up&lt;&amp;&gt;`" in str(
        build_announce_progress("en", progress)[1]
    )
