"""GET /jobs and GET /api/jobs: the same parameters give the same jobs; malformed parameters
get a 400 with the reason, as a page and as JSON, never a 500."""

import re
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.helpers_search import create_search_fixture

BAD_PARAMETERS = [
    ({"sort": "best"}, "sort"),
    ({"sort": ["newest", "closing"]}, "sort"),
    ({"closing_after": "2026-13-01"}, "closing_after"),
    ({"closing_after": "tomorrow"}, "closing_after"),
    ({"closing_after": "2026-1-1"}, "closing_after"),
    ({"per_page": "1000"}, "per_page"),
    ({"per_page": "0"}, "per_page"),
    # A blank number is not "unset": the API describes these parameters as integers.
    ({"per_page": ""}, "per_page"),
    ({"page": ""}, "page"),
    ({"page": "abc"}, "page"),
    ({"page": "0"}, "page"),
    ({"page": "-1"}, "page"),
    ({"page": "1e3"}, "page"),
    ({"page": "٣"}, "page"),
    ({"employment_type": "FULLTIME"}, "employment_type"),
    ({"category": "chef"}, "category"),
    ({"work_mode": "moon"}, "work_mode"),
    ({"country": "XX"}, "country"),
    ({"country": "USA"}, "country"),
    ({"language": "klingon"}, "language"),
    ({"posted_within": "0"}, "posted_within"),
    ({"posted_within": "400"}, "posted_within"),
    ({"salary_given": "maybe"}, "salary_given"),
    ({"q": "word " * 41}, "q"),
    ({"q": " ".join(f"w{n}" for n in range(33))}, "q"),
]


def page_job_slugs(html: str) -> list[str]:
    results = html.split('id="results-heading"', 1)[1]
    return re.findall(r'<h3><a href="/jobs/([^"]+)">', results)


@pytest.mark.parametrize("params, parameter", BAD_PARAMETERS)
async def test_a_malformed_parameter_is_a_400_naming_it_in_json(api, params, parameter):
    response = await api.get("/api/jobs", params=params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_parameter"
    assert error["message"]
    assert list(error["fields"]) == [parameter]


@pytest.mark.parametrize("params, parameter", BAD_PARAMETERS)
async def test_a_malformed_parameter_is_a_400_page_with_the_reason(browser, params, parameter):
    response = await browser.get("/jobs", params=params)
    assert response.status_code == 400
    assert 'role="alert"' in response.text
    assert 'name="q"' in response.text, "the search form comes back to correct the search"


async def test_unknown_parameter_names_are_ignored(api, browser):
    await create_search_fixture()
    params = {"utm_source": "newsletter", "lang": "es", "fbclid": "x", "q": "弁護士"}
    response = await api.get("/api/jobs", params=params)
    assert response.status_code == 200
    assert response.json()["total"] == 1
    assert (await browser.get("/jobs", params=params)).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "innocence"},
        {"q": "defensoria", "sort": "newest"},
        {"country": "US", "sort": "closing"},
        {"language": "ja"},
        {"q": "attorney", "per_page": "2", "page": "2"},
        {"work_mode": ["remote", "hybrid"], "salary_given": "false"},
    ],
)
async def test_the_page_and_the_api_return_the_same_jobs_in_the_same_order(api, browser, params):
    await create_search_fixture()
    document = (await api.get("/api/jobs", params=params)).json()
    page = await browser.get("/jobs", params=params)
    assert page.status_code == 200
    assert page_job_slugs(page.text) == [item["slug"] for item in document["items"]]


async def test_the_page_advertises_this_search_as_feeds_and_offers_a_subscribe_link(browser):
    await create_search_fixture()
    page = await browser.get("/jobs", params={"q": "attorney", "country": "US", "page": "1"})
    head = page.text.split("</head>", 1)[0]
    for kind, path in (
        ("application/atom+xml", "/jobs/feed.atom"),
        ("application/rss+xml", "/jobs/feed.rss"),
        ("application/feed+json", "/jobs/feed.json"),
    ):
        match = re.search(rf'<link rel="alternate" type="{re.escape(kind)}" href="([^"]+)"', head)
        assert match, kind
        url = urlsplit(unescape(match.group(1)))
        assert url.path == path
        assert sorted(parse_qsl(url.query)) == [("country", "US"), ("q", "attorney")]
    assert "Subscribe to this search" in page.text


async def test_facet_values_are_links_with_counts_that_narrow_the_search(browser):
    await create_search_fixture()
    page = await browser.get("/jobs", params={"q": "innocence"})
    match = re.search(
        r'<a href="([^"]+)"[^>]*>Japan</a>\s*<span class="meta">\(2\)</span>', page.text
    )
    assert match, "the Japan facet with its count"
    narrowed = await browser.get(unescape(match.group(1)))
    assert len(page_job_slugs(narrowed.text)) == 2


async def test_the_page_shows_each_result_with_organization_place_and_date(browser):
    jobs = await create_search_fixture()
    page = await browser.get("/jobs", params={"q": "弁護士"})
    assert page_job_slugs(page.text) == [jobs["bengoshi"].slug]
    assert "Innocence Project Japan" in page.text
    assert "東京" in page.text
    assert jobs["bengoshi"].posted_at.date().isoformat() in page.text


async def test_a_search_matching_nothing_says_so(browser):
    await create_search_fixture()
    page = await browser.get("/jobs", params={"q": "astronaut"})
    assert page.status_code == 200
    assert page_job_slugs(page.text) == []
    assert "No open job matches this search" in page.text


async def test_the_search_is_described_in_the_openapi_document(api):
    document = (await api.get("/api/openapi.json")).json()
    operation = document["paths"]["/api/jobs"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"q", "country", "region", "organization", "employment_type", "category",
            "work_mode", "language", "posted_within", "closing_after", "salary_given",
            "sort", "page", "per_page"} <= names  # fmt: skip
    assert "400" in operation["responses"]
    assert "JobSearchResult" in document["components"]["schemas"]
    assert "post" in document["paths"]["/api/jobs"], "posting keeps its place beside search"


@pytest.mark.parametrize("language", ["en", "es", "ja"])
async def test_the_search_page_renders_in_every_shipped_language(browser, language):
    jobs = await create_search_fixture()
    page = await browser.get("/jobs", params={"lang": language, "q": "innocence"})
    assert page.status_code == 200
    assert f'<html lang="{language}">' in page.text
    assert jobs["bengoshi"].slug in page_job_slugs(page.text)
