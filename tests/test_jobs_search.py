"""Job search over HTTP: the same query table gives the same jobs on SQLite and PostgreSQL
(the suite runs on each), with filters, sorts, facets, stable pages and visibility."""

from datetime import UTC, date, datetime, timedelta

import pytest

from directory.models import Organization
from jobs.models import Job
from tests.helpers_search import create_search_fixture, make_job, make_organization

ALL_OPEN = {
    "staff_attorney",
    "investigator",
    "paralegal",
    "abogada",
    "investigador",
    "bengoshi",
    "chosain",
    "policy_fellow",
}

# (query parameters, the fixture jobs expected), run on whichever database the suite uses.
SEARCH_TABLE = [
    # The category's name is part of the text: "attorney" finds attorney jobs in any language,
    # and, stemmed, the paralegal job that supports "attorneys".
    ({"q": "attorney"}, {"staff_attorney", "investigator", "paralegal", "abogada", "bengoshi"}),
    ({"q": "ATTORNEY"}, {"staff_attorney", "investigator", "paralegal", "abogada", "bengoshi"}),
    ({"q": "post conviction"}, {"staff_attorney"}),
    ({"q": "innocence"}, {"staff_attorney", "investigator", "paralegal", "bengoshi",
                          "chosain", "policy_fellow"}),
    ({"q": "defensoría"}, {"abogada", "investigador"}),
    ({"q": "DEFENSORIA"}, {"abogada", "investigador"}),
    ({"q": "defensoria abogada"}, {"abogada"}),
    ({"q": "revisión erroneas"}, {"abogada"}),
    ({"q": "弁護士"}, {"bengoshi"}),
    ({"q": "弁護"}, {"bengoshi"}),
    ({"q": "調査"}, {"chosain"}),
    ({"q": "DNA"}, {"staff_attorney", "chosain"}),
    ({"q": "Japón"}, {"bengoshi", "chosain"}),
    ({"q": "日本"}, {"bengoshi", "chosain"}),
    ({"q": '"NEAR" reform*'}, {"policy_fellow"}),
    ({"q": "(AND/OR)"}, {"policy_fellow"}),
    ({"q": "-term"}, {"policy_fellow"}),
    ({"q": "C++"}, {"paralegal"}),
    ({"q": "title:attorney^2 NEAR/3"}, set()),
    ({"q": '"'}, set()),
    ({"q": "nonexistentword"}, set()),
    ({}, ALL_OPEN),
    ({"country": "AR"}, {"abogada", "investigador"}),
    ({"language": "es"}, {"abogada", "investigador"}),
    ({"language": "es-AR"}, {"investigador"}),
    ({"country": "JP", "employment_type": ["FULL_TIME", "PART_TIME"]}, {"bengoshi", "chosain"}),
    ({"q": "investigator", "country": "US"}, {"investigator"}),
    ({"q": "investigador", "work_mode": "remote"}, {"investigador"}),
    ({"q": "attorney", "category": "investigator"}, {"investigator"}),
    ({"q": "innocence", "work_mode": ["remote", "hybrid"], "country": "US,JP"},
     {"investigator", "paralegal", "chosain"}),
]  # fmt: skip


async def search(api, params) -> dict:
    response = await api.get("/api/jobs", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def names_of(document: dict, jobs: dict) -> set[str]:
    by_uid = {job.uid: name for name, job in jobs.items()}
    return {by_uid.get(item["uid"], item["title"]) for item in document["items"]}


@pytest.mark.parametrize("params, expected", SEARCH_TABLE)
async def test_search_table_finds_the_same_jobs_on_every_backend(api, params, expected):
    jobs = await create_search_fixture()
    document = await search(api, {**params, "per_page": 100})
    assert names_of(document, jobs) == expected
    assert document["total"] == len(expected)


async def test_closed_expired_draft_and_suspended_organizations_jobs_never_appear(api):
    await create_search_fixture()
    document = await search(api, {"q": "attorney", "per_page": 100})
    titles = {item["title"] for item in document["items"]}
    assert not {title for title in titles if title.startswith("Attorney")}


async def test_relevance_puts_a_title_match_above_a_body_match(api):
    organization = await make_organization("Clinic")
    body_match = await make_job(
        organization, "Case Analyst", description="Works with the investigator every day."
    )
    title_match = await make_job(organization, "Investigator", description="Field work.")
    document = await search(api, {"q": "investigator"})
    assert [item["uid"] for item in document["items"]] == [title_match.uid, body_match.uid]
    assert document["sort"] == "relevance"


async def test_newest_is_the_default_without_words_and_closing_sorts_soonest_first(api):
    organization = await make_organization("Clinic")
    later = await make_job(organization, "Closes later", posted_days_ago=1, closes_in_days=50)
    open_ended = await make_job(organization, "No date", posted_days_ago=3, closes_in_days=None)
    sooner = await make_job(organization, "Closes sooner", posted_days_ago=2, closes_in_days=5)
    newest = await search(api, {})
    assert newest["sort"] == "newest"
    assert [item["uid"] for item in newest["items"]] == [later.uid, sooner.uid, open_ended.uid]
    closing = await search(api, {"sort": "closing"})
    assert [item["uid"] for item in closing["items"]] == [sooner.uid, later.uid, open_ended.uid]


async def test_pages_are_stable_when_jobs_tie_on_every_sort_key(api):
    organization = await make_organization("Clinic")
    now = datetime.now(UTC)
    for number in range(7):
        await make_job(organization, f"Attorney {number}", now=now)
    everything = await search(api, {"q": "attorney", "per_page": 100})
    for sort in ("relevance", "newest", "closing"):
        whole = await search(api, {"q": "attorney", "sort": sort, "per_page": 100})
        paged = []
        for page in range(1, 5):
            document = await search(
                api, {"q": "attorney", "sort": sort, "per_page": 2, "page": page}
            )
            assert document["total"] == 7
            paged += [item["uid"] for item in document["items"]]
        assert paged == [item["uid"] for item in whole["items"]]
        assert len(set(paged)) == 7
    assert everything["total"] == 7


async def test_next_and_previous_links_walk_the_pages(api):
    organization = await make_organization("Clinic")
    for number in range(3):
        await make_job(organization, f"Paralegal {number}")
    first = await search(api, {"q": "paralegal", "per_page": 2})
    assert first["links"]["prev"] is None
    assert first["pages"] == 2
    second = await api.get(first["links"]["next"])
    assert second.json()["page"] == 2
    assert second.json()["links"]["next"] is None
    assert "per_page=2" in second.json()["links"]["prev"]


async def test_facets_count_every_matching_job_not_only_the_page(api):
    await create_search_fixture()
    document = await search(api, {"per_page": 1})
    facets = {name: {f["value"]: f["count"] for f in counts} for name, counts in
              document["facets"].items()}  # fmt: skip
    assert len(document["items"]) == 1
    assert facets["country"] == {"US": 3, "AR": 2, "JP": 2, "GB": 1}
    assert facets["work_mode"] == {"remote": 3, "hybrid": 2, "onsite": 3}
    assert facets["language"] == {"en": 4, "ja": 2, "es": 1, "es-AR": 1}
    assert facets["employment_type"]["FULL_TIME"] == 4
    assert facets["category"]["investigator"] == 3
    filtered = await search(api, {"q": "innocence", "country": "JP"})
    assert filtered["facets"]["country"] == [{"value": "JP", "count": 2}]


async def test_region_and_organization_filters_take_several_values(api):
    jobs = await create_search_fixture()
    regions = await search(api, [("region", "NY"), ("region", "TX")])
    assert names_of(regions, jobs) == {"staff_attorney", "investigator"}
    organizations = await search(api, {"organization": "ipj,defensoria-general"})
    assert names_of(organizations, jobs) == {"abogada", "investigador", "bengoshi", "chosain"}


async def test_posted_within_keeps_only_recent_jobs(api):
    organization = await make_organization("Clinic")
    recent = await make_job(organization, "Recent", posted_days_ago=2)
    await make_job(organization, "Older", posted_days_ago=10)
    document = await search(api, {"posted_within": 7})
    assert [item["uid"] for item in document["items"]] == [recent.uid]


async def test_closing_after_keeps_jobs_still_open_after_that_day(api):
    organization = await make_organization("Clinic")
    await make_job(organization, "Closes in five days", closes_in_days=5)
    later = await make_job(organization, "Closes in forty days", closes_in_days=40)
    open_ended = await make_job(organization, "Default lifetime", closes_in_days=None)
    day = (date.today() + timedelta(days=10)).isoformat()
    document = await search(api, {"closing_after": day})
    assert {item["uid"] for item in document["items"]} == {later.uid, open_ended.uid}


async def test_salary_given_separates_jobs_with_and_without_a_salary(api):
    jobs = await create_search_fixture()
    given = await search(api, {"salary_given": "true"})
    assert names_of(given, jobs) == {"staff_attorney", "abogada"}
    not_given = await search(api, {"salary_given": "false", "per_page": 100})
    assert names_of(not_given, jobs) == ALL_OPEN - {"staff_attorney", "abogada"}


async def test_editing_a_job_and_renaming_its_organization_update_what_finds_it(api):
    jobs = await create_search_fixture()
    abogada = jobs["abogada"]
    abogada.title = "Abogada litigante"
    await abogada.save()
    assert names_of(await search(api, {"q": "litigante"}), jobs) == {"abogada"}
    organization = await Organization.get(slug="defensoria-general")
    organization.name = "Procuración Penitenciaria"
    await organization.save()
    assert names_of(await search(api, {"q": "defensoria"}), jobs) == set()
    assert names_of(await search(api, {"q": "procuracion"}), jobs) == {"abogada", "investigador"}


async def test_a_job_saved_without_its_organization_loaded_keeps_the_organization_searchable(api):
    jobs = await create_search_fixture()
    reloaded = await Job.get(id=jobs["abogada"].id)
    reloaded.title = "Abogada litigante"
    await reloaded.save()
    assert names_of(await search(api, {"q": "litigante defensoria"}), jobs) == {"abogada"}


async def test_a_deleted_job_leaves_the_index(api):
    jobs = await create_search_fixture()
    await jobs["bengoshi"].delete()
    assert (await search(api, {"q": "弁護士"}))["total"] == 0


async def test_items_carry_the_public_job_fields(api):
    jobs = await create_search_fixture()
    document = await search(api, {"q": "staff attorney"})
    (item,) = document["items"]
    assert item["uid"] == jobs["staff_attorney"].uid
    assert item["url"].endswith(f"/jobs/{jobs['staff_attorney'].slug}")
    assert item["organization"]["slug"] == "innocence-project"
    assert item["organization"]["name"] == "Innocence Project"
    for name in ("title", "city", "region", "country", "work_mode", "employment_type",
                 "category", "language", "salary_min", "salary_max", "salary_currency",
                 "salary_unit", "posted_at", "valid_through"):  # fmt: skip
        assert name in item, name
