"""Deletion marks as readers see them: only for jobs the feed would have listed (every
filter, the words included, applied to the job as it was when it ended), dated when the job
ended, in the feed's language; and a feed's paging claims: a page past the end is no
document, and only the complete, unpaged one says it is complete."""

from __future__ import annotations

import feedparser
from lxml import etree

from tests.helpers_feeds import TOMBSTONE, end_job, make_job, make_organization

HISTORY_COMPLETE = "{http://purl.org/syndication/history/1.0}complete"


async def _board():
    ohio = await make_organization()
    red = await make_organization("red-inocente", name="Red Inocente", country="AR")
    open_job = await make_job(red, "弁護士(冤罪事件)", language="ja", country="AR")
    lawyer = await end_job(await make_job(red, "弁護士(再審)", language="ja", country="AR"))
    other = await end_job(await make_job(ohio, "Investigator"))
    return open_job, lawyer, other


def _marked(content: bytes) -> set[str]:
    return {mark.get("ref") for mark in etree.fromstring(content).findall(TOMBSTONE)}


async def test_deletion_marks_follow_the_words_of_the_search_too(live_server, api):
    open_job, lawyer, other = await _board()
    words = _marked((await api.get("/jobs/feed.atom", params={"q": "弁護士"})).content)
    assert words == {lawyer.uid}
    assert _marked((await api.get("/jobs/feed.atom", params={"q": "investigator"})).content) == {
        other.uid
    }
    assert _marked((await api.get("/jobs/feed.atom", params={"q": "nothing"})).content) == set()
    assert _marked((await api.get("/jobs/feed.atom", params={"q": "!!"})).content) == set()
    assert _marked((await api.get("/jobs/feed.atom")).content) == {lawyer.uid, other.uid}
    items = (await api.get("/jobs/feed.json", params={"q": "弁護士"})).json()["items"]
    assert [item["id"] for item in items if "_amicus" in item and "deleted" in item["_amicus"]] == [
        lawyer.uid
    ]


async def test_deletion_marks_follow_a_quoted_phrase_as_the_search_does(live_server, api):
    ohio = await make_organization()
    adjacent = await end_job(await make_job(ohio, "Wrongful Conviction Attorney"))
    await end_job(await make_job(ohio, "Conviction Review, Wrongful Arrests"))
    phrase = {"q": '"wrongful conviction"'}
    assert _marked((await api.get("/jobs/feed.atom", params=phrase)).content) == {adjacent.uid}


async def test_rss_deletion_marks_are_dated_and_in_the_feeds_language(live_server, api):
    _open, lawyer, _other = await _board()
    for lang, text in (
        ("", "This job is no longer open"),
        ("es", "Esta vacante ya no está abierta"),
        ("ja", "この求人の募集は終了しました"),
    ):
        params = {"lang": lang} if lang else {}
        rss = feedparser.parse((await api.get("/jobs/feed.rss", params=params)).content)
        (mark,) = [entry for entry in rss.entries if entry.id == lawyer.uid]
        assert mark.title == text
        assert mark.published_parsed[:6] == lawyer.status_changed_at.utctimetuple()[:6]
        json_items = (await api.get("/jobs/feed.json", params=params)).json()["items"]
        (json_mark,) = [item for item in json_items if item["id"] == lawyer.uid]
        assert json_mark["title"] == text


async def test_a_page_past_the_end_is_not_found_and_only_the_whole_feed_is_complete(
    live_server, api
):
    await _board()
    for path in ("/jobs/feed.atom", "/federation/jobs.atom", "/orgs/red-inocente/jobs.rss"):
        assert (await api.get(path)).status_code == 200
        assert (await api.get(path, params={"page": 2})).status_code == 404, path
    complete = etree.fromstring((await api.get("/federation/jobs.atom")).content)
    assert complete.find(HISTORY_COMPLETE) is not None
    search = etree.fromstring((await api.get("/jobs/feed.atom")).content)
    assert search.find(HISTORY_COMPLETE) is None


async def test_a_job_without_a_description_gets_no_empty_content(live_server, api):
    ohio = await make_organization()
    job = await make_job(ohio, "Staff Attorney", description_html="", description_markdown="")
    atom = etree.fromstring((await api.get("/jobs/feed.atom")).content)
    (entry,) = [e for e in atom.iter("{http://www.w3.org/2005/Atom}entry")]
    assert entry.findtext("{http://www.w3.org/2005/Atom}id") == job.uid
    assert entry.find("{http://www.w3.org/2005/Atom}content") is None
    rss = etree.fromstring((await api.get("/jobs/feed.rss")).content)
    assert all((element.text or "").strip() for element in rss.iter() if "content" in element.tag)
