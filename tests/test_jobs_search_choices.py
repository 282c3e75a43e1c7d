"""Several values of one filter (any of them), checkboxes that work without JavaScript, and
the searches suggested when nothing is found."""

import re
from dataclasses import replace
from html import unescape
from urllib.parse import parse_qsl, urlsplit

from jobs.search.engine import search_jobs
from jobs.search.params import parse_job_query
from tests.helpers_search import create_search_fixture
from tests.test_jobs_search_http import page_job_slugs


def checkboxes(html: str, name: str) -> dict[str, bool]:
    """The facet form's checkboxes of one facet: value -> checked."""
    facets = html.split('class="facets"', 1)[1]
    return {
        value: bool(checked)
        for value, checked in re.findall(
            rf'<input type="checkbox" name="{name}" value="([^"]+)"[^>]*?( checked)?>', facets
        )
    }


def facet_count(html: str, label: str) -> int:
    facets = html.split('class="facets"', 1)[1]
    match = re.search(
        rf">(?:<strong>✓ )?{label}(?:</strong>)?</a>\s*<span class=\"meta\">\((\d+)\)", facets
    )
    assert match, label
    return int(match.group(1))


async def test_several_values_of_one_facet_find_any_and_facets_combine_with_and(api, browser):
    jobs = await create_search_fixture()
    params = [("country", "US"), ("country", "JP"), ("work_mode", "hybrid")]
    document = (await api.get("/api/jobs", params=params)).json()
    by_uid = {job.uid: name for name, job in jobs.items()}
    assert {by_uid[item["uid"]] for item in document["items"]} == {"investigator", "chosain"}
    page = await browser.get("/jobs", params=params)
    assert set(page_job_slugs(page.text)) == {jobs["investigator"].slug, jobs["chosain"].slug}
    feed = await api.get("/jobs/feed.atom", params=params)
    assert feed.status_code == 200
    assert feed.text.count("<entry>") == 2


async def test_facet_checkboxes_show_what_choosing_another_value_would_add(browser):
    await create_search_fixture()
    page = await browser.get("/jobs", params={"q": "innocence", "country": "JP"})
    assert checkboxes(page.text, "country") == {"US": False, "JP": True, "GB": False}
    # The chosen facet is counted without its own filter; the others with it.
    assert facet_count(page.text, "United States") == 3
    assert facet_count(page.text, "Japan") == 2
    assert facet_count(page.text, "Hybrid") == 1


async def test_the_facet_form_keeps_the_words_and_other_filters_without_javascript(browser):
    jobs = await create_search_fixture()
    page = await browser.get("/jobs", params={"q": "innocence", "salary_given": "false"})
    form = page.text.split('class="facets"', 1)[1].split("</form>", 1)[0]
    assert '<input type="hidden" name="q" value="innocence">' in form
    assert '<input type="hidden" name="salary_given" value="false">' in form
    # What a browser sends when US and JP are checked and the form submitted.
    sent = [("q", "innocence"), ("salary_given", "false"), ("country", "US"), ("country", "JP")]
    result = await browser.get("/jobs", params=sent)
    assert set(page_job_slugs(result.text)) == {
        jobs[name].slug for name in ("investigator", "paralegal", "bengoshi", "chosain")
    }
    assert checkboxes(result.text, "country")["US"] and checkboxes(result.text, "country")["JP"]


async def test_the_search_form_offers_work_modes_and_types_as_checkboxes(browser):
    await create_search_fixture()
    page = await browser.get("/jobs", params=[("work_mode", "remote"), ("work_mode", "hybrid")])
    form = page.text.split('role="search"', 1)[1].split("</form>", 1)[0]
    assert '<input type="checkbox" name="work_mode" value="remote" checked>' in form
    assert '<input type="checkbox" name="work_mode" value="hybrid" checked>' in form
    assert '<input type="checkbox" name="work_mode" value="onsite">' in form
    assert '<input type="checkbox" name="employment_type" value="FULL_TIME">' in form


def suggestion_links(html: str) -> list[tuple[str, str, int]]:
    return [
        (unescape(url), unescape(label), int(count))
        for url, label, count in re.findall(
            r'<li><a href="([^"]+)" rel="nofollow">([^<]+)</a>\s*<span class="meta">\((\d+) ',
            html.split('class="suggestions"', 1)[1].split("</ul>", 1)[0],
        )
    ]


async def test_a_search_finding_nothing_suggests_each_filter_left_out_with_its_count(browser):
    await create_search_fixture()
    params = {"q": "attorney", "country": "JP", "work_mode": "remote"}
    page = await browser.get("/jobs", params=params)
    assert page_job_slugs(page.text) == []
    links = suggestion_links(page.text)
    # Without the word, no Japanese job is remote: that search is not offered.
    assert [(label, count) for _, label, count in links] == [
        ("Without the filter Country: Japan", 1),
        ("Without the filter Work mode: Remote", 1),
    ]
    for url, _, count in links:
        followed = await browser.get(url)
        assert len(page_job_slugs(followed.text)) == count
    assert sorted(parse_qsl(urlsplit(links[0][0]).query)) == [
        ("q", "attorney"),
        ("work_mode", "remote"),
    ]


async def test_a_search_finding_nothing_suggests_it_without_its_rarest_word(browser):
    await create_search_fixture()
    page = await browser.get("/jobs", params={"q": "attorney astronaut"})
    [(url, label, count)] = suggestion_links(page.text)
    assert label == "Search for “attorney”, without “astronaut”"
    assert count == 5
    assert parse_qsl(urlsplit(url).query) == [("q", "attorney")]


async def test_the_suggestions_are_in_the_pages_language(browser):
    await create_search_fixture()
    params = {"q": "attorney", "country": "JP", "work_mode": "remote", "lang": "es"}
    page = await browser.get("/jobs", params=params)
    labels = [label for _, label, _ in suggestion_links(page.text)]
    assert labels[0].startswith("Sin el filtro") and "Japón" in labels[0]
    assert "Búsquedas que encuentran empleos" in page.text


async def test_a_search_that_finds_jobs_suggests_nothing(browser):
    await create_search_fixture()
    page = await browser.get("/jobs", params={"q": "attorney"})
    assert 'class="suggestions"' not in page.text


async def test_choice_counts_are_the_same_with_and_without_the_cache(live_server, search_indexes):
    await create_search_fixture()
    caches = live_server.app.state.search_caches
    for params in (
        {"country": "US,JP"},
        {"q": "innocence", "work_mode": "remote,hybrid", "country": "US"},
        {"language": "es", "category": "investigator"},
    ):
        query = parse_job_query(params)
        cached = await search_jobs(query, indexes=search_indexes, caches=caches, choices=True)
        again = await search_jobs(query, indexes=search_indexes, caches=caches, choices=True)
        fresh = await search_jobs(query, indexes=search_indexes, choices=True)
        assert cached.choices == again.choices == fresh.choices
        chosen = {name for name in params if name != "q"}
        assert set(fresh.choices) == chosen
        for name in chosen:
            broader = await search_jobs(replace(query, **{name: ()}), indexes=search_indexes)
            assert fresh.choices[name] == broader.facets[name]


async def test_a_misspelled_word_is_corrected_to_an_indexed_word(browser):
    await create_search_fixture()
    page = await browser.get("/jobs", params={"q": "invetsigator houston", "lang": "en"})
    assert page_job_slugs(page.text) == []
    [(url, label, count), *_] = suggestion_links(page.text)
    assert label == "Did you mean “investigator houston”?"
    assert count == 1
    assert parse_qsl(urlsplit(url).query) == [("q", "investigator houston")]
