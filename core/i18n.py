"""Translations: English is the source language; Spanish and Japanese ship.

Catalogs are plain .po files under core/locale, compiled in memory when first used, so
there is no build step and no binary file in the repository.
"""

from __future__ import annotations

import gettext as stdlib_gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError, negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import LazyProxy

LANGUAGES = {"en": "English", "es": "Español", "ja": "日本語"}
DEFAULT_LANGUAGE = "en"
# The language workers write what people read later in it (a feed's or a delivery's last
# error): they run outside any request, and pages in another language mark such text so.
DIAGNOSTICS_LANGUAGE = DEFAULT_LANGUAGE
LOCALE_DIR = Path(__file__).parent / "locale"

current_language: ContextVar[str] = ContextVar("current_language", default=DEFAULT_LANGUAGE)


@contextmanager
def in_language(language: str) -> Iterator[None]:
    """Translate into `language` (a mail's recipient's, not the current request's) for a
    while; an unknown one falls back to English."""
    token = current_language.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        current_language.reset(token)


@cache
def translations(language: str) -> stdlib_gettext.NullTranslations:
    po_path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return stdlib_gettext.NullTranslations()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return stdlib_gettext.GNUTranslations(compiled)


def gettext(message: str) -> str:
    return translations(current_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_language.get()).ngettext(singular, plural, n)


def lazy_gettext(message: str) -> LazyProxy:
    """For strings defined at import time and translated when shown."""
    return LazyProxy(gettext, message, enable_cache=False)


def choose_language(query_value: str | None, cookie_value: str | None, accept: str) -> str:
    for candidate in (query_value, cookie_value):
        if candidate in LANGUAGES:
            return candidate
    preferred = [part.split(";")[0].strip().replace("-", "_") for part in accept.split(",")]
    chosen = negotiate_locale([p for p in preferred if p], list(LANGUAGES), sep="_")
    if chosen:
        return chosen
    # negotiate_locale only matches exact tags; "es-MX" should still give Spanish.
    for tag in preferred:
        if tag.split("_")[0].lower() in LANGUAGES:
            return tag.split("_")[0].lower()
    return DEFAULT_LANGUAGE


def locale() -> Locale:
    return Locale.parse(current_language.get())


@cache
def text_direction(tag: str) -> str:
    """ "rtl" for a language written right to left (CLDR: Hebrew, Arabic, Persian…), else
    "ltr"; for the dir attribute beside a lang attribute on content in that language."""
    try:
        order = Locale.parse(tag, sep="-").character_order
    except (ValueError, TypeError, UnknownLocaleError):
        return "ltr"
    return "rtl" if order == "right-to-left" else "ltr"
