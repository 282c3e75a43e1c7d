"""Find help: which members take a case from a jurisdiction, on the page and in the API, and
the owner's edit of the service areas and criteria behind it."""

from __future__ import annotations

import re

import pytest

from directory.models import Organization, OrganizationKind
from feeds.aggregate.passes import run_pass
from feeds.models import FeedSubscription
from tests.helpers_directory import make_account, make_organization, sign_in
from tests.helpers_federation import SisterInstance, copy_database, drop_database


async def members() -> dict[str, Organization]:
    """A state member, a national one, an international one, a Canadian one, one whose intake
    is closed and a screening organization that refers to the state member."""
    screening = await make_organization(
        "texas-screening",
        name="Texas Screening Desk",
        accepts_cases=True,
        service_areas=",US-TX,",
        apply_postal_address="PO Box 1, Austin TX",
    )
    return {
        "state": await make_organization(
            "texas-project",
            name="Texas Project",
            accepts_cases=True,
            service_areas=",US-TX,US-OK,",
            case_types=",dna,",
            apply_postal_address="PO Box 12, Houston TX 77001",
            screening_organization=screening,
        ),
        "screening": screening,
        "national": await make_organization(
            "national-project",
            name="National Project",
            accepts_cases=True,
            service_areas=",US,",
            apply_url="https://national.example.org/apply",
        ),
        "international": await make_organization(
            "world-project",
            name="Aaa World Project",
            accepts_cases=True,
            service_areas=",US,CA,GB,",
        ),
        "canada": await make_organization(
            "ontario-project",
            name="Ontario Project",
            country="CA",
            accepts_cases=True,
            service_areas=",CA-ON,",
        ),
        "closed": await make_organization(
            "closed-project",
            name="Closed Intake Project",
            accepts_cases=True,
            accepting_applications=False,
            service_areas=",US-TX,",
        ),
    }


async def api(browser, **params) -> dict:
    response = await browser.get("/api/find-help", params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_state_member_comes_before_national_and_international_ones(browser, live_server):
    await members()
    answer = await api(browser, country="US", subdivision="US-TX")
    assert [(item["slug"], item["scope"]) for item in answer["results"]] == [
        ("texas-project", "subdivision"),
        ("texas-screening", "subdivision"),
        ("national-project", "national"),
        ("world-project", "international"),
    ]
    page = (await browser.get("/find-help", params={"country": "US", "subdivision": "US-TX"})).text
    order = [page.index(name) for name in ("Texas Project", "National Project", "Aaa World")]
    assert order == sorted(order)
    assert "PO Box 12, Houston TX 77001" in page


async def test_a_state_covered_only_by_a_national_member_gets_the_national_one(
    browser, live_server
):
    await members()
    answer = await api(browser, country="US", subdivision="US-VT")
    assert [item["slug"] for item in answer["results"]] == ["national-project", "world-project"]
    page = (await browser.get("/find-help", params={"country": "US", "subdivision": "US-VT"})).text
    assert "Texas Project" not in page
    assert "https://national.example.org/apply" in page


async def test_a_canadian_province_finds_the_member_that_covers_it(browser, live_server):
    await members()
    answer = await api(browser, country="CA", subdivision="CA-ON")
    assert [item["slug"] for item in answer["results"]] == ["ontario-project", "world-project"]
    page = (await browser.get("/find-help", params={"country": "CA"})).text
    # Choosing a country offers its provinces, without any script.
    assert 'name="subdivision"' in page and "Ontario" in page


async def test_a_place_nobody_covers_gets_a_clear_answer_and_the_nearest_members(
    browser, live_server
):
    await members()
    await make_organization("tokyo-clinic", name="Tokyo Clinic", country="JP")
    await make_organization("the-network", name="A Network", kind=OrganizationKind.NETWORK)
    answer = await api(browser, country="JP")
    assert answer["results"] == []
    # The members based there first, then the network's own contact.
    assert [item["slug"] for item in answer["nearest"]] == ["tokyo-clinic", "the-network"]
    page = (await browser.get("/find-help", params={"country": "JP"})).text
    assert "No member says that it takes cases from there." in page
    assert "Tokyo Clinic" in page


async def test_a_screening_organization_is_shown_with_the_member_it_refers_to(browser, live_server):
    await members()
    answer = await api(browser, country="US", subdivision="US-OK")
    assert answer["results"][0]["screened_by"]["slug"] == "texas-screening"
    page = (await browser.get("/find-help", params={"country": "US", "subdivision": "US-OK"})).text
    assert "Apply first to the screening organization:" in page
    assert "Texas Screening Desk" in page
    screening_page = (await browser.get("/orgs/texas-screening")).text
    assert "Refers cases to" in screening_page and "Texas Project" in screening_page


async def test_a_member_not_accepting_applications_leaves_find_help_but_not_the_directory(
    browser, live_server
):
    await members()
    answer = await api(browser, country="US", subdivision="US-TX")
    assert "closed-project" not in [item["slug"] for item in answer["results"]]
    assert "Closed Intake Project" in (await browser.get("/directory")).text
    organization_page = (await browser.get("/orgs/closed-project")).text
    assert "Not accepting new applications at the moment." in organization_page


async def test_the_case_type_narrows_the_members(browser, live_server):
    await members()
    await make_organization(
        "non-dna-texas", accepts_cases=True, service_areas=",US-TX,", case_types=",non_dna,"
    )
    slugs = [
        item["slug"]
        for item in (await api(browser, country="US", subdivision="US-TX", case_type="dna"))[
            "results"
        ]
    ]
    assert "texas-project" in slugs and "non-dna-texas" not in slugs


async def criteria_members() -> None:
    """Texas members that say different things about the optional questions."""
    for slug, fields in {
        "all-match": {
            "court_systems": ",state,",
            "in_custody_only": True,
            "minimum_sentence_years": 10,
        },
        "says-nothing": {},
        "courts-only": {"court_systems": ",state,federal,"},
        "federal-only": {"court_systems": ",federal,"},
        "long-sentences": {"minimum_sentence_years": 20},
    }.items():
        await make_organization(
            slug,
            name=slug.replace("-", " ").title(),
            accepts_cases=True,
            service_areas=",US-TX,",
            **fields,
        )


async def test_optional_answers_leave_out_members_that_rule_the_case_out(browser, live_server):
    """Court, custody and years served: a member whose criteria exclude the case is left out,
    one that says nothing is kept but listed after those that match, marked unknown."""
    await criteria_members()
    asked = {
        "country": "US",
        "subdivision": "US-TX",
        "court_system": "state",
        "in_custody": "yes",
        "years_served": "12",
    }
    answer = await api(browser, **asked)
    assert [(item["slug"], item["unknown"]) for item in answer["results"]] == [
        ("all-match", []),
        ("courts-only", ["in_custody", "years_served"]),
        ("says-nothing", ["court_system", "in_custody", "years_served"]),
    ]
    assert answer["query"] == asked
    # A member only for people in custody is left out for someone released.
    released = await api(browser, **{**asked, "in_custody": "no"})
    assert "all-match" not in [item["slug"] for item in released["results"]]
    # Asked nothing more, every member of the state is listed, none marked unknown.
    plain = await api(browser, country="US", subdivision="US-TX")
    assert len(plain["results"]) == 5 and all(item["unknown"] == [] for item in plain["results"])


async def test_court_systems_that_differ_by_jurisdiction_decide_where_they_apply(
    browser, live_server
):
    """Federal cases from the whole country, state cases from Texas only."""
    await make_organization(
        "federal-and-texas",
        accepts_cases=True,
        service_areas=",US,US-TX,",
        court_systems=",state,federal,",
        court_areas=",federal:US,state:US-TX,",
    )

    async def slugs(**params: str) -> list[str]:
        return [item["slug"] for item in (await api(browser, country="US", **params))["results"]]

    assert await slugs(subdivision="US-TX", court_system="state") == ["federal-and-texas"]
    assert await slugs(subdivision="US-CA", court_system="federal") == ["federal-and-texas"]
    assert await slugs(subdivision="US-CA", court_system="state") == []
    page = (await browser.get("/orgs/federal-and-texas")).text
    assert "Court systems by jurisdiction" in page and "Texas (United States)" in page


@pytest.mark.parametrize(
    ("language", "unknown_label", "court"),
    [
        ("en", "Does not say (unknown):", "court"),
        ("es", "No lo indica (desconocido):", "tribunal"),
        ("ja", "記載なし（不明）：", "裁判所"),
    ],
)
async def test_the_page_asks_the_optional_questions_without_script_in_every_language(
    browser, live_server, language, unknown_label, court
):
    await criteria_members()
    asked = {
        "country": "US",
        "subdivision": "US-TX",
        "court_system": "state",
        "years_served": "12",
        "lang": language,
    }
    page = (await browser.get("/find-help", params=asked)).text
    # A plain form: the answers are in the page's own fields, chosen as given.
    for name in ("court_system", "in_custody", "years_served"):
        assert f'name="{name}"' in page
    assert '<option value="state" selected>' in page and 'value="12"' in page
    assert page.index("All Match") < page.index("Says Nothing")
    assert "Federal Only" not in page and "Long Sentences" not in page
    assert unknown_label in page and court in page


@pytest.mark.parametrize(
    ("language", "heading", "none_found"),
    [
        ("en", "Find help with a case", "No member says that it takes cases from there."),
        ("es", "Buscar ayuda con un caso", "Ningún miembro dice que acepte casos de allí."),
        (
            "ja",
            "事件の相談先を探す",
            "そこからの事件を受け付けると表明しているメンバーはいません。",
        ),
    ],
)
async def test_find_help_speaks_english_spanish_and_japanese(
    browser, live_server, language, heading, none_found
):
    await members()
    found = await browser.get(
        "/find-help", params={"country": "US", "subdivision": "US-TX", "lang": language}
    )
    assert heading in found.text and "Texas Project" in found.text
    nobody = await browser.get("/find-help", params={"country": "JP", "lang": language})
    assert none_found in nobody.text
    # The API gives the same members whatever the language.
    assert [
        item["slug"] for item in (await api(browser, country="JP", lang=language))["results"]
    ] == []


@pytest.mark.parametrize(
    "params",
    [
        {"country": "ZZ"},
        {"country": "US", "subdivision": "CA-ON"},
        {"country": "US", "subdivision": "US-XX"},
        {"country": "US", "case_type": "<script>"},
        {"country": "US", "court_system": "navy"},
        {"country": "US", "in_custody": "perhaps"},
        {"country": "US", "years_served": "-1"},
        {"country": "US", "years_served": "100"},
        {"country": "US", "years_served": "ten"},
    ],
)
async def test_bad_find_help_parameters_are_refused_with_400(browser, live_server, params):
    assert (await browser.get("/find-help", params=params)).status_code == 400
    assert (await browser.get("/api/find-help", params=params)).status_code == 400


async def test_the_owner_edits_service_areas_and_criteria_and_the_page_shows_them(
    new_browser, live_server
):
    organization = await make_organization("ipx", accepts_cases=True)
    await make_organization("screener")
    await make_account("owner@ipx.example.org", organization)
    browser = new_browser()
    await sign_in(browser, "owner@ipx.example.org")
    form = {
        "name": organization.name,
        "kind": organization.kind.value,
        "contact_email": organization.contact_email,
        "country": "US",
        "languages": "en, es",
        "accepts_cases": "yes",
        "case_application_info": "Write to us.",
        "accepting_applications": "yes",
        "service_areas": ["US-TX", "US-OK"],
        "court_systems": ["state", "federal"],
        "case_types": ["dna"],
        "minimum_sentence_years": "10",
        "in_custody_only": "yes",
        "apply_postal_address": "PO Box 7\nAustin TX 78701",
        "apply_phone": "+1 512 555 0100",
        "screening_organization": "screener",
    }
    response = await browser.submit("/dashboard", form)
    assert response.status_code == 303, response.text
    saved = await Organization.get(id=organization.id)
    assert saved.service_areas == ",US-TX,US-OK,"
    assert saved.court_systems == ",state,federal,"
    assert (saved.minimum_sentence_years, saved.in_custody_only) == (10, True)
    assert (await saved.screening_organization).slug == "screener"
    page = (await browser.get("/orgs/ipx")).text
    for shown in ("Texas (United States)", "Oklahoma", "Federal courts", "PO Box 7", "Screener"):
        assert shown in page
    refused = await browser.submit("/dashboard", {**form, "service_areas": ["US-ZZ", "Texas"]})
    assert refused.status_code == 422
    assert 'aria-describedby="e-service_areas"' in refused.text
    assert (await Organization.get(id=organization.id)).service_areas == ",US-TX,US-OK,"


def ticked(page: str, code: str) -> bool:
    """Whether the page's jurisdiction chooser has the box of this code ticked."""
    boxes = [
        tag
        for tag in re.findall(r"<input[^>]*>", page)
        if 'name="service_areas"' in tag and f'value="{code}"' in tag
    ]
    return any(re.search(r"\schecked\b", tag) for tag in boxes)


async def test_the_owner_chooses_jurisdictions_by_country_then_state_without_script(
    new_browser, live_server
):
    """The profile form lists the states and provinces of each chosen country, in the page's
    language; adding a country shows its own, and nothing is saved until the form is."""
    organization = await make_organization("ipx", service_areas=",US-TX,")
    await make_account("owner@ipx.example.org", organization)
    browser = new_browser()
    await sign_in(browser, "owner@ipx.example.org")
    page = (await browser.get("/dashboard", params={"lang": "ja"})).text
    assert ticked(page, "US-TX")
    assert "テキサス" in page and 'value="CA-ON"' not in page
    form = {
        "name": "Renamed Before Saving",
        "kind": organization.kind.value,
        "contact_email": organization.contact_email,
        "country": "US",
        "languages": "en",
        "service_areas": ["US-TX"],
        "area_country": "CA",
        "show_areas": "yes",
    }
    shown = await browser.submit("/dashboard", form)
    assert shown.status_code == 200
    assert 'value="CA-ON"' in shown.text and "オンタリオ" in shown.text
    assert ticked(shown.text, "US-TX") and not ticked(shown.text, "CA-ON")
    assert (await Organization.get(id=organization.id)).name == organization.name
    # Enter in a field sends the first button, "show": with no country picked, it saves.
    del form["area_country"]
    form["service_areas"] = ["US-TX", "CA-ON"]
    # Court systems per chosen jurisdiction: only pairs of a system and a chosen one.
    outside = await browser.submit("/dashboard", {**form, "court_areas": ["state:US-OK"]})
    assert outside.status_code == 422 and 'aria-describedby="e-court_areas"' in outside.text
    saved = await browser.submit("/dashboard", {**form, "court_areas": ["state:US-TX"]})
    assert saved.status_code == 303, saved.text
    stored = await Organization.get(id=organization.id)
    assert (stored.service_areas, stored.court_areas) == (",US-TX,CA-ON,", ",state:US-TX,")
    page = (await browser.get("/dashboard")).text
    assert re.search(r'value="state:US-TX"\s+checked', page) and 'value="federal:CA-ON"' in page


async def test_the_application_form_shows_a_countrys_provinces_without_applying(
    browser, live_server
):
    shown = await browser.submit(
        "/apply", {"name": "New Clinic", "area_country": "CA", "show_areas": "yes"}
    )
    assert shown.status_code == 200 and 'value="CA-ON"' in shown.text
    assert 'value="New Clinic"' in shown.text
    assert not await Organization.filter(name="New Clinic").exists()


async def test_a_sister_networks_members_appear_in_find_help_after_federation(
    migrated_template, tmp_path, live_server, browser
):
    """B's member, with its jurisdictions and postal address, reaches A through B's directory
    feed, and A's Find help answers with it."""
    sister = SisterInstance(
        "B", await copy_database(migrated_template, tmp_path, "b"), "Red Inocente"
    )
    try:
        code, output = await sister.command("demo")
        assert code == 0, output
        await sister.execute(
            "UPDATE organization SET accepts_cases = TRUE, case_application_info = 'Write.',"
            " apply_postal_address = 'PO Box 1 (test), Salt Lake City UT'"
            " WHERE slug = 'rocky-mountain-innocence-center'"
        )
        await sister.start()
        await FeedSubscription.create(
            url=f"{sister.url}/directory/feed.atom", name="Sister", kind="directory"
        )
        assert (await run_pass(live_server.settings)).errors == 0
        answer = await api(browser, country="US", subdivision="US-NV")
        assert [item["name"] for item in answer["results"]] == ["Rocky Mountain Innocence Center"]
        found = answer["results"][0]
        assert found["service_areas"] == ["US-UT", "US-NV", "US-WY"]
        assert found["how_to_apply"]["postal_address"] == "PO Box 1 (test), Salt Lake City UT"
        assert (await api(browser, country="US", subdivision="US-TX"))["results"] == []
    finally:
        await sister.stop()
        await drop_database(sister.database_url)
