"""Field validation shared by every form and API: clean values or field-by-field errors."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from functools import cache
from typing import Any, TypeVar
from urllib.parse import urlsplit

from babel import Locale
from babel.numbers import get_territory_currencies, list_currencies

from core.confusables import strip_invisible
from core.i18n import gettext as _

# Codes in CLDR's territory list that are not ISO 3166-1 countries.
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
_LANGUAGE_TAG = re.compile(r"^([a-zA-Z]{2,3})(-[a-zA-Z]{4})?(-([a-zA-Z]{2}|\d{3}))?$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# ASCII digits only: "²".isdigit() is true, and int() also takes " +1_0" and other scripts'
# digits. 18 digits always fit a signed 64-bit column.
_WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")
LARGEST_WHOLE_NUMBER = 10**18 - 1
# Primary keys are IntFields, 32-bit signed on PostgreSQL: a larger number names no row (and
# would upset the database driver rather than find nothing).
LARGEST_ROW_ID = 2**31 - 1
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
EMAIL_MAX_LENGTH = 254
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})
E = TypeVar("E", bound=StrEnum)


class ValidationError(Exception):
    """Field name -> message, for forms to show beside each field and the API to return."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


class InvalidValue(ValueError):
    """A value one of the rules below refuses; the message says why, already translated."""


# --- one rule per kind of value: forms, the API, search, feeds and the importer use these ----


def whole_number(raw: str, name: str, *, minimum: int, maximum: int) -> int:
    """A whole number written in ASCII digits (spaces around it ignored, like every rule
    here) within [minimum, maximum], else InvalidValue."""
    raw = raw.strip()
    if not _WHOLE_NUMBER.fullmatch(raw):
        raise InvalidValue(_("'%(name)s' must be a whole number.") % {"name": name})
    value = int(raw)
    if not minimum <= value <= maximum:
        raise InvalidValue(
            _("'%(name)s' must be between %(min)d and %(max)d.")
            % {"name": name, "min": minimum, "max": maximum}
        )
    return value


def is_slug(value: str, max_length: int) -> bool:
    """Lowercase letters, digits and single hyphens, and short enough for its column."""
    return len(value) <= max_length and _SLUG.match(value) is not None


def boolean(raw: str) -> bool | None:
    """1/true/yes/on or 0/false/no/off, in any case; None for anything else."""
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    return False if word in FALSE_WORDS else None


def iso_date(raw: str) -> date | None:
    """A calendar date written YYYY-MM-DD; None for any other form (Python also reads
    "20261231" and week dates, which nobody means in a form or a URL)."""
    raw = raw.strip()
    if not _ISO_DATE.fullmatch(raw):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def enum_member(raw: str, enum: type[E]) -> E | None:
    """The member whose value the text is, compared without regard to case."""
    folded = raw.strip().casefold()
    return next((member for member in enum if member.value.casefold() == folded), None)


def country_code(raw: str) -> str | None:
    """An ISO 3166-1 alpha-2 code, upper-cased; None when it names no country."""
    code = raw.strip().upper()
    return code if code in countries() else None


def email_address(raw: str) -> str | None:
    """An e-mail address, lower-cased; None when it is not one or is longer than SMTP allows."""
    address = raw.strip()
    if len(address) > EMAIL_MAX_LENGTH or not _EMAIL.match(address):
        return None
    return address.lower()


@cache
def countries() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code -> English name."""
    territories = Locale("en").territories
    return {
        code: name
        for code, name in territories.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    }


@cache
def currencies() -> frozenset[str]:
    """Every ISO 4217 code CLDR knows, withdrawn ones included (an old posting may name one)."""
    return frozenset(list_currencies())


@cache
def currencies_in_use() -> frozenset[str]:
    """The codes legal tender in some country today: what a currency chooser offers."""
    today = date.today()
    return frozenset(
        code for country in countries() for code in get_territory_currencies(country, today)
    )


def currency_code(raw: str) -> str | None:
    """An ISO 4217 code in any case, upper-cased ("usd" -> "USD"); None when it is none."""
    code = raw.strip().upper()
    return code if code in currencies() else None


@cache
def language_subtags() -> frozenset[str]:
    return frozenset(code for code in Locale("en").languages if "_" not in code)


def strip_control_characters(value: str) -> str:
    return _CONTROL_CHARACTERS.sub("", value)


class Cleaner:
    """Collects errors while cleaning a submitted mapping; raise_if_invalid() at the end."""

    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.errors: dict[str, str] = {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def raise_if_invalid(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)

    def raw(self, name: str) -> Any:
        return self.data.get(name)

    def text(self, name: str, *, max_length: int, required: bool = False) -> str:
        value = self.data.get(name)
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.fail(name, _("Must be text."))
            return ""
        value = strip_control_characters(value).strip()
        if required and not value:
            self.fail(name, _("This field is required."))
        elif len(value) > max_length:
            self.fail(name, _("Must be at most %(max)d characters.") % {"max": max_length})
        return value

    def line(self, name: str, *, max_length: int, required: bool = False) -> str:
        """One line a person reads as a name or title: text() without invisible characters
        (see core.confusables.strip_invisible), so what is shown is what is stored."""
        value = self.data.get(name)
        if isinstance(value, str):
            self.data = {**self.data, name: strip_invisible(value)}
        return self.text(name, max_length=max_length, required=required)

    def choice(self, name: str, enum: type[StrEnum], *, required: bool = True) -> StrEnum | None:
        value = self.text(name, max_length=64, required=required)
        if not value:
            return None
        member = enum_member(value, enum)
        if member is None:
            allowed = ", ".join(member.value for member in enum)
            self.fail(name, _("Must be one of: %(allowed)s.") % {"allowed": allowed})
        return member

    def boolean(self, name: str) -> bool:
        value = self.data.get(name)
        if isinstance(value, bool):
            return value
        if value is None or value == "":
            return False
        parsed = boolean(value) if isinstance(value, str) else None
        if parsed is None:
            self.fail(name, _("Must be true or false."))
        return bool(parsed)

    def email(self, name: str, *, required: bool = False) -> str:
        value = self.text(name, max_length=EMAIL_MAX_LENGTH, required=required)
        if not value:
            return value
        address = email_address(value)
        if address is None:
            self.fail(name, _("Enter a valid e-mail address."))
        return address or value

    def url(self, name: str, *, required: bool = False, max_length: int = 500) -> str:
        value = self.text(name, max_length=max_length, required=required)
        if value:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                self.fail(name, _("Enter a full web address starting with http:// or https://."))
        return value

    def country(self, name: str, *, required: bool = True) -> str:
        value = self.text(name, max_length=2, required=required).upper()
        if value and country_code(value) is None:
            self.fail(name, _("Enter a two-letter ISO 3166-1 country code, such as US or AR."))
        return value

    def currency(self, name: str) -> str:
        value = self.text(name, max_length=3)
        code = currency_code(value) if value else ""
        if code is None:
            self.fail(name, _("Enter an ISO 4217 currency code, such as USD or EUR."))
        return code or value.upper()

    def countries(self, name: str) -> list[str]:
        codes = _split_list(self.data.get(name))
        if codes is None:
            self.fail(name, _("Must be a list of country codes."))
            return []
        codes = [code.upper() for code in codes]
        unknown = [code for code in codes if country_code(code) is None]
        if unknown:
            self.fail(name, _("Unknown country codes: %(codes)s.") % {"codes": ", ".join(unknown)})
        return list(dict.fromkeys(codes))

    def language(self, name: str, *, required: bool = True) -> str:
        value = self.text(name, max_length=35, required=required)
        if value:
            tag = normalize_language_tag(value)
            if tag is None:
                self.fail(name, _("Enter a BCP 47 language tag, such as en, es or pt-BR."))
            return tag or value
        return value

    def languages(self, name: str, *, required: bool = False) -> list[str]:
        tags = _split_list(self.data.get(name))
        if tags is None:
            self.fail(name, _("Must be a list of language tags."))
            return []
        if required and not tags:
            self.fail(name, _("Give at least one language."))
        normalized = [normalize_language_tag(tag) for tag in tags]
        unknown = [tag for tag, norm in zip(tags, normalized, strict=True) if norm is None]
        if unknown:
            self.fail(name, _("Unknown language tags: %(tags)s.") % {"tags": ", ".join(unknown)})
        return list(dict.fromkeys(tag for tag in normalized if tag))

    def tags(self, name: str, allowed: Iterable[str]) -> list[str]:
        values = _split_list(self.data.get(name))
        allowed_set = set(allowed)
        if values is None:
            self.fail(name, _("Must be a list."))
            return []
        unknown = [value for value in values if value not in allowed_set]
        if unknown:
            self.fail(name, _("Unknown values: %(values)s.") % {"values": ", ".join(unknown)})
        return list(dict.fromkeys(value for value in values if value in allowed_set))

    def calendar_date(self, name: str) -> date | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        parsed = iso_date(value) if isinstance(value, str) else None
        if parsed is None:
            self.fail(name, _("Enter a date as YYYY-MM-DD."))
        return parsed

    def slug(self, name: str, *, required: bool = True, max_length: int = 80) -> str:
        value = self.text(name, max_length=max_length, required=required).lower()
        if value and not _SLUG.match(value):
            self.fail(name, _("Use lowercase letters, digits and single hyphens only."))
        return value


def normalize_language_tag(value: str) -> str | None:
    """'pt-br' -> 'pt-BR'; None when the tag is malformed or the language unknown."""
    match = _LANGUAGE_TAG.match(value.strip())
    if not match:
        return None
    language = match.group(1).lower()
    if language not in language_subtags():
        return None
    tag = language
    if match.group(2):
        tag += "-" + match.group(2)[1:].title()
    if match.group(4):
        tag += "-" + match.group(4).upper()
    return tag


def _split_list(value: Any) -> list[str] | None:
    """Accepts a JSON list of strings or a comma-separated string; None for anything else."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [item.strip() for item in value if item.strip()]
    return None


def encode_tag_list(values: Iterable[str]) -> str:
    """Stored form of a list: ',a,b,' (see Organization.languages)."""
    values = list(values)
    return f",{','.join(values)}," if values else ""


def decode_tag_list(stored: str) -> list[str]:
    return [value for value in stored.split(",") if value]


def slugify(text: str, max_length: int = 80) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")
