"""One page arithmetic (core.pagination) for the directory, job search and the job feeds:
the same pages and links, and a page past the last is a 404 everywhere."""

from __future__ import annotations

import pytest

from core.pagination import Page, paginate
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
