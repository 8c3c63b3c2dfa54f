"""Texts: both languages complete, user text escaped, crypto sound."""

from __future__ import annotations

import string
from datetime import UTC, datetime

import pytest

from bot.core.crypto import Vault, generate_key
from bot.core.i18n import MESSAGES, fmt_date, lang_of, t
from bot.slack.text import clean, escape


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_exists_in_both_languages_with_the_same_placeholders() -> None:
    assert MESSAGES["en"].keys() == MESSAGES["de"].keys()
    for key, english in MESSAGES["en"].items():
        assert _fields(english) == _fields(MESSAGES["de"][key]), key


def test_german_and_english_differ() -> None:
    same = [k for k in MESSAGES["en"] if MESSAGES["en"][k] == MESSAGES["de"][k]]
    assert same == ["help.admin"]


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
