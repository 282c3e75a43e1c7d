"""The Spanish and Japanese catalogs are complete and the pages speak the chosen language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from core import i18n

LOCALE_DIR = Path(__file__).resolve().parent.parent / "core" / "locale"
PLURAL_FORMS = {"es": "nplurals=2; plural=(n != 1);", "ja": "nplurals=1; plural=0;"}
# %(name)s, %s, %d, ... as Python's %-formatting reads them; %% is a literal percent sign.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxX%]")

NAVIGATION = {
    "en": ("Jobs", "Directory"),
    "es": ("Empleos", "Directorio"),
    "ja": ("求人", "団体名簿"),
}


def catalog(language: str):
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        return read_po(po_file, locale=language)


def placeholders(text: str) -> set[str]:
    return {found for found in PLACEHOLDER.findall(text) if found != "%%"}


def entries(language: str):
    """(msgids, msgstrs) of every message, singular ones as 1-tuples."""
    for message in catalog(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        yield message, ids, strings


@pytest.mark.parametrize("language", ["es", "ja"])
def test_catalog_has_the_right_plural_forms(language):
    assert catalog(language).plural_forms == PLURAL_FORMS[language]


@pytest.mark.parametrize("language", ["es", "ja"])
def test_every_message_is_translated_and_none_is_fuzzy(language):
    translated = catalog(language)
    untranslated = [ids[0] for _, ids, strings in entries(language) if not all(strings)]
    fuzzy = [message.id for message, _, _ in entries(language) if message.fuzzy]
    assert untranslated == []
    assert fuzzy == []
    assert not translated.fuzzy
    assert not translated.obsolete


@pytest.mark.parametrize("language", ["es", "ja"])
def test_every_message_of_the_template_is_in_the_catalog(language):
    with (LOCALE_DIR / "messages.pot").open("rb") as pot_file:
        template = {message.id for message in read_po(pot_file) if message.id}
    assert template <= {message.id for message, _, _ in entries(language)}


@pytest.mark.parametrize("language", ["es", "ja"])
def test_placeholders_match_the_source(language):
    mismatched = []
    for _, ids, strings in entries(language):
        expected = set().union(*(placeholders(text) for text in ids))
        for text in strings:
            found = placeholders(text)
            # A plural form may leave out the number ("one job" for n == 1) but never adds one.
            if found != expected and not (len(ids) > 1 and found <= expected):
                mismatched.append((ids[0], text))
    assert mismatched == []


@pytest.mark.parametrize("language", ["es", "ja"])
def test_every_translation_formats_like_its_source(language):
    """Templates always %-format their strings, so a stray % would break the page."""
    for _, ids, strings in entries(language):
        names = set(re.findall(r"%\((\w+)\)", " ".join(ids)))
        values = {name: 1 for name in names}
        for text in strings:
            if names:
                text % values
            elif placeholders(ids[0]):
                text % tuple(1 for _ in placeholders(ids[0]))
            else:
                text % {}


def test_catalogs_compile_in_memory():
    i18n.translations.cache_clear()
    assert i18n.translations("es").gettext("Sign in") == "Iniciar sesión"
    assert i18n.translations("ja").gettext("Sign in") == "ログイン"
    assert i18n.translations("es").ngettext("%(num)d open job", "%(num)d open jobs", 1) == (
        "%(num)d vacante abierta"
    )
    assert i18n.translations("es").ngettext("%(num)d open job", "%(num)d open jobs", 3) == (
        "%(num)d vacantes abiertas"
    )
    assert i18n.translations("ja").ngettext("%(num)d open job", "%(num)d open jobs", 3) == (
        "募集中の求人 %(num)d件"
    )


def assert_navigation(page: str, language: str) -> None:
    assert f'<html lang="{language}">' in page
    jobs, directory = NAVIGATION[language]
    assert f'<a href="/jobs">{jobs}</a>' in page
    assert f'<a href="/directory">{directory}</a>' in page


@pytest.mark.parametrize("language", ["es", "ja"])
async def test_lang_parameter_chooses_the_language(api, language):
    response = await api.get("/directory", params={"lang": language})
    assert response.status_code == 200
    assert_navigation(response.text, language)


async def test_english_without_a_choice(api):
    response = await api.get("/directory")
    assert response.status_code == 200
    assert_navigation(response.text, "en")


async def test_accept_language_with_a_region_selects_spanish(api):
    response = await api.get("/directory", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    assert_navigation(response.text, "es")
    response = await api.get("/directory", headers={"Accept-Language": "es-MX"})
    assert_navigation(response.text, "es")


async def test_the_lang_cookie_keeps_japanese(browser):
    first = await browser.get("/directory", params={"lang": "ja"})
    assert "lang=ja" in first.headers["set-cookie"]
    assert_navigation(first.text, "ja")
    following = await browser.get("/directory")
    assert_navigation(following.text, "ja")
    # The cookie wins over the browser's own preference, and ?lang= over the cookie.
    following = await browser.get("/jobs", headers={"Accept-Language": "es-MX"})
    assert_navigation(following.text, "ja")
    switched = await browser.get("/directory", params={"lang": "es"})
    assert_navigation(switched.text, "es")
    assert_navigation((await browser.get("/directory")).text, "es")


@pytest.mark.parametrize("language", ["es", "ja"])
@pytest.mark.parametrize("path", ["/", "/jobs", "/directory", "/sign-in", "/apply", "/federation"])
async def test_public_pages_render_in_each_language(api, language, path):
    response = await api.get(path, params={"lang": language})
    assert response.status_code == 200, response.text
    assert_navigation(response.text, language)
