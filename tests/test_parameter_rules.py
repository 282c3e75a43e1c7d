"""One rule per kind of value (core.validation), the same wherever a value arrives: forms and
the API, search and its feeds, the directory, the hub and the importer."""

from __future__ import annotations

from datetime import date

import pytest

from core.validation import (
    InvalidValue,
    boolean,
    country_code,
    email_address,
    enum_member,
    iso_date,
    normalize_language_tag,
    whole_number,
)
from jobs.models import EmploymentType

# Each is something int() or str.isdigit() would take, or a number too big for a 64-bit id.
NOT_WHOLE_NUMBERS = ["²", "٣", "+1", "-1", "1 1", "1_000", "1.0", "0x10", "1e3", "9" * 19, ""]


@pytest.mark.parametrize("raw", NOT_WHOLE_NUMBERS)
def test_only_ascii_digits_that_fit_64_bits_are_whole_numbers(raw: str) -> None:
    with pytest.raises(InvalidValue, match="'page' must be a whole number"):
        whole_number(raw, "page", minimum=0, maximum=10**18)


def test_whole_numbers_are_held_to_their_bounds() -> None:
    assert whole_number(" 007 ", "page", minimum=1, maximum=10) == 7
    with pytest.raises(InvalidValue, match="between 1 and 10"):
        whole_number("11", "page", minimum=1, maximum=10)


def test_booleans_dates_choices_countries_languages_and_emails() -> None:
    assert [boolean(word) for word in ("YES", "on", "1", "False", "off", "maybe")] == [
        True,
        True,
        True,
        False,
        False,
        None,
    ]
    assert iso_date("2026-12-31") == date(2026, 12, 31)
    # Python's fromisoformat also reads these; nobody writes them in a form or a URL.
    assert iso_date("20261231") is None and iso_date("2026-W53-4") is None
    assert iso_date("2026-02-30") is None
    assert enum_member("full_time", EmploymentType) is EmploymentType.FULL_TIME
    assert enum_member("FULL TIME", EmploymentType) is None
    assert (country_code(" ar "), country_code("XX"), country_code("EU")) == ("AR", None, None)
    assert normalize_language_tag("pt-br") == "pt-BR"
    assert normalize_language_tag("english") is None and normalize_language_tag("xx") is None
    assert email_address(" Jobs@Example.ORG ") == "jobs@example.org"
    assert email_address("jobs@@example.org") is None
    assert email_address("a@b.c" + "c" * 250) is None


@pytest.mark.parametrize("raw", ["²", "+1", "1 1", "1_000", "9" * 19])
async def test_every_page_parameter_refuses_the_same_numbers(api, raw: str) -> None:
    for path in ("/directory", "/api/organizations", "/jobs", "/api/jobs", "/jobs/feed.atom"):
        response = await api.get(path, params={"page": raw})
        assert response.status_code == 400, (path, raw, response.status_code)
    response = await api.get("/federation/jobs.atom", params={"page": raw})
    assert response.status_code == 400, raw


async def test_booleans_and_dates_read_alike_in_the_directory_search_and_forms(api) -> None:
    assert (await api.get("/directory", params={"accepts_cases": "ON"})).status_code == 200
    assert (await api.get("/api/jobs", params={"salary_given": "ON"})).status_code == 200
    assert (await api.get("/directory", params={"accepts_cases": "maybe"})).status_code == 400
    assert (await api.get("/api/jobs", params={"salary_given": "maybe"})).status_code == 400
    assert (await api.get("/api/jobs", params={"closing_after": "20261231"})).status_code == 400
