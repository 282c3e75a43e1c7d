"""One page arithmetic (core.pagination) for the directory, job search and the job feeds:
the same pages and links, and a page past the last is a 404 everywhere."""

from __future__ import annotations

import re

import pytest

from core.pagination import Page, page_links, paginate
from tests.helpers_directory import make_admin, sign_in
from tests.helpers_feeds import make_job, make_organization


def test_pages_links_and_offsets() -> None:
    assert [Page(1, 20, total).pages for total in (0, 1, 20, 21)] == [1, 1, 1, 2]
    page = paginate(list(range(45)), 2, 20)
    assert (page.items, page.offset) == (list(range(20, 40)), 20)
    assert (page.has_previous, page.has_next, page.pages) == (True, True, 3)
    last = paginate(list(range(45)), 3, 20)
    assert (last.items, last.has_next, last.is_past_last) == ([40, 41, 42, 43, 44], False, False)
    # Page 1 of nothing is a page; page 2 of nothing is not.
    assert not Page(1, 20, 0).is_past_last and Page(2, 20, 0).is_past_last


def test_links_name_the_first_previous_nearby_next_and_last_pages() -> None:
    links = page_links(Page(6, 10, 200), lambda number: f"?page={number}")
    assert [link.number for link in links.numbers] == [4, 5, 6, 7, 8]
    assert [link.number for link in links.numbers if link.current] == [6]
    assert (links.first, links.previous, links.next, links.last) == (
        "?page=1",
        "?page=5",
        "?page=7",
        "?page=20",
    )
    assert links.gap_before and links.gap_after
    # Near an end the window keeps its size; on the first page nothing leads back.
    start = page_links(Page(1, 10, 200), str)
    assert [link.number for link in start.numbers] == [1, 2, 3, 4, 5]
    assert (start.first, start.previous, start.gap_before) == ("", "", False)
    end = page_links(Page(20, 10, 200), str)
    assert [link.number for link in end.numbers] == [16, 17, 18, 19, 20]
    assert (end.next, end.last, end.gap_after) == ("", "", False)
    assert [link.number for link in page_links(Page(2, 10, 30), str).numbers] == [1, 2, 3]


def test_links_stop_at_the_highest_page_an_address_may_carry() -> None:
    links = page_links(Page(9_999, 1, 50_000), str, last=10_000)
    assert links.last == "10000" and links.numbers[-1].number == 10_000
    assert page_links(Page(10_000, 1, 50_000), str, last=10_000).next == ""


def _page_numbers(html: str) -> list[tuple[str, str]]:
    nav = html.split('class="pagination"')[1].split("</nav>")[0]
    return re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)


async def test_search_results_link_numbered_pages_keeping_the_search(api) -> None:
    organization = await make_organization()
    for number in range(7):
        await make_job(organization, title=f"Attorney {number}")
    page = await api.get("/jobs", params={"q": "attorney", "per_page": "1", "page": "4"})
    links = _page_numbers(page.text)
    assert [text for _url, text in links] == [
        "First page",
        "Previous page",
        "2",
        "3",
        "4",
        "5",
        "6",
        "Next page",
        "Last page",
    ]
    urls = dict((text, url.replace("&amp;", "&")) for url, text in links)
    assert urls["Last page"] == "/jobs?q=attorney&page=7&per_page=1"
    assert urls["First page"] == "/jobs?q=attorney&per_page=1"
    assert re.search(r'aria-current="page"[^>]*>4<', page.text)
    assert "Page 4 of 7" in page.text
    spanish = await api.get("/jobs", params={"per_page": "1", "page": "2", "lang": "es"})
    assert "Última página" in spanish.text and "Página 2 de 7" in spanish.text
    japanese = await api.get("/jobs", params={"per_page": "1", "lang": "ja"})
    assert "最後のページ" in japanese.text
    # One page of results needs no page links.
    assert 'class="pagination"' not in (await api.get("/jobs")).text


async def test_the_directory_and_the_members_list_link_numbered_pages(new_browser) -> None:
    for number in range(51):
        await make_organization(f"clinic-{number:02}", name=f"Clinic {number:02}")
    browser = new_browser()
    directory = await browser.get("/directory", params={"country": "US", "page": "2"})
    links = dict((text, url.replace("&amp;", "&")) for url, text in _page_numbers(directory.text))
    assert links["Last page"] == "/directory?country=US&page=3"
    assert re.search(r'aria-current="page"[^>]*>2<', directory.text)
    await make_admin()
    await sign_in(browser, "admin@network.example.org")
    members = await browser.get("/admin/members", params={"status": "active"})
    links = dict((text, url.replace("&amp;", "&")) for url, text in _page_numbers(members.text))
    assert links["Next page"] == "/admin/members?status=active&page=2"
    assert (await browser.get(links["Next page"])).status_code == 200


@pytest.mark.parametrize("path", ["/directory", "/jobs"])
async def test_a_page_past_the_last_is_not_found_on_pages(api, path: str) -> None:
    await make_job(await make_organization())
    assert (await api.get(path, params={"page": "1"})).status_code == 200
    response = await api.get(path, params={"page": "2"})
    assert response.status_code == 404
    assert "the last page is 1" in response.text


@pytest.mark.parametrize("path", ["/api/organizations", "/api/jobs"])
async def test_a_page_past_the_last_is_not_found_in_the_api(api, path: str) -> None:
    await make_job(await make_organization())
    first = (await api.get(path, params={"per_page": "1"})).json()
    assert (first["total"], first["page"]) == (1, 1)
    response = await api.get(path, params={"per_page": "1", "page": "2"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
