"""Every feed the site serves is valid, parses cleanly, and reads back as the jobs it holds."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import feedparser
import jsonschema
import pytest
from lxml import etree

from feeds.publish.catalog import resolve_url
from feeds.schema_fields import job_fields_from_json, job_fields_from_xml
from jobs.models import JobStatus, WorkMode
from tests.helpers_feeds import (
    ATOM,
    TOMBSTONE,
    atom_problems,
    end_job,
    make_job,
    make_organization,
    rss_problems,
)

JSON_FEED_SCHEMA = json.loads(
    (Path(__file__).parent / "jsonfeed-1.1.schema.json").read_text(encoding="utf-8")
)
HOSTILE_TITLE = "Investigator ]]> & <b>not bold</b> \x01\x0b\x1f end"


@pytest.fixture
async def board(live_server):
    """Jobs in English, Spanish and Japanese, one with hostile text, and one that ended."""
    ohio = await make_organization()
    red = await make_organization(
        "red-inocente", name="Red Inocente", country="AR", city="Buenos Aires", region="CABA"
    )
    jobs = {
        "english": await make_job(ohio, "Staff Attorney"),
        "spanish": await make_job(
            red,
            "Abogada de la Defensoría",
            language="es",
            country="AR",
            city="Buenos Aires",
            region="CABA",
            work_mode=WorkMode.REMOTE,
            salary_min=None,
            salary_max=Decimal("900000"),
            salary_currency="ARS",
            apply_instructions="Envíe su currículum y una carta de motivación.",
            description_html="<p>Defensa de personas condenadas injustamente.</p>",
        ),
        "japanese": await make_job(
            red,
            "弁護士(冤罪事件)",
            language="ja",
            country="JP",
            city="東京",
            region="東京都",
            salary_min=None,
            salary_max=None,
            salary_currency="",
            salary_unit=None,
            salary_note="経験による",
            description_html="<p>えん罪被害者の救済</p>",
        ),
        "hostile": await make_job(
            ohio,
            HOSTILE_TITLE,
            apply_instructions="Write to <jobs> & say ]]> \x02 hello",
            description_html="<p>a &amp; b &lt; c ]]&gt;</p>",
        ),
    }
    ended = await end_job(await make_job(ohio, "Filled Position"))
    return {"organizations": (ohio, red), "jobs": jobs, "ended": ended}


def clean(text: str) -> str:
    return "".join(char for char in text if char >= " " or char in "\t\n\r")


def expected_fields(job) -> dict:
    return {
        "employment_type": job.employment_type.value,
        "category": job.category.value,
        "language": job.language,
        "country": job.country,
        "work_mode": job.work_mode.value,
        "apply_url": job.apply_url,
        "apply_instructions": clean(job.apply_instructions),
        "salary_note": job.salary_note,
    }


FEED_PATHS = [
    "/jobs/feed.{format}",
    "/jobs/feed.{format}?country=AR&country=JP",
    "/jobs/feed.{format}?category=attorney&sort=newest",
    "/jobs/feed.{format}?language=ja",
    "/jobs/feed.{format}?q=nothing-matches-this",
    "/orgs/red-inocente/jobs.{format}",
    "/orgs/ohio-innocence-project/jobs.{format}",
    "/federation/jobs.{format}",
]


@pytest.mark.parametrize("path", FEED_PATHS)
@pytest.mark.parametrize("format_", ["atom", "rss"])
async def test_xml_feeds_are_well_formed_valid_and_parse_without_bozo(board, api, path, format_):
    response = await api.get(path.format(format=format_))
    assert response.status_code == 200
    problems = (
        atom_problems(response.content) if format_ == "atom" else rss_problems(response.content)
    )
    assert problems == []
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")


@pytest.mark.parametrize("path", FEED_PATHS)
async def test_json_feeds_validate_against_the_json_feed_schema(board, api, path):
    response = await api.get(path.format(format="json"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/feed+json")
    jsonschema.validate(response.json(), JSON_FEED_SCHEMA)


@pytest.mark.parametrize("format_", ["atom", "rss"])
async def test_feedparser_reads_back_every_job_field(board, api, format_):
    response = await api.get(f"/jobs/feed.{format_}")
    parsed = feedparser.parse(response.content)
    entries = {entry.id: entry for entry in parsed.entries}
    for job in board["jobs"].values():
        entry = entries[job.uid]
        assert entry.title == clean(job.title)
        assert entry.schema_employmenttype == job.employment_type.value
        assert entry.schema_occupationalcategory == job.category.value
        assert entry.schema_inlanguage == job.language
        assert entry.schema_addresscountry == job.country
        assert entry.get("schema_addresslocality", "") == job.city
        assert entry.amicus_workmode == job.work_mode.value
        assert entry.get("amicus_applyinstructions", "") == clean(job.apply_instructions)
        assert entry.get("amicus_salarynote", "") == job.salary_note
        assert entry.schema_name == job.organization.name


@pytest.mark.parametrize("format_", ["atom", "rss"])
async def test_the_xml_mapping_reads_back_the_exact_job_fields(board, api, format_):
    response = await api.get(f"/jobs/feed.{format_}")
    root = etree.fromstring(response.content)
    entries = root.findall(f"{ATOM}entry") if format_ == "atom" else root.findall("channel/item")
    by_id = {
        (entry.findtext(f"{ATOM}id") if format_ == "atom" else entry.findtext("guid")): entry
        for entry in entries
    }
    for job in board["jobs"].values():
        fields = job_fields_from_xml(by_id[job.uid])
        for name, value in expected_fields(job).items():
            assert fields.get(name, "") == value, name
        assert fields.get("salary_min") == job.salary_min
        assert fields.get("salary_max") == job.salary_max
        assert fields["valid_through"] == job.valid_through
        assert fields["remote_countries"] == ["US", "CA"]


async def test_the_json_feed_reads_back_the_exact_job_fields(board, api):
    items = {item["id"]: item for item in (await api.get("/jobs/feed.json")).json()["items"]}
    for job in board["jobs"].values():
        item = items[job.uid]
        assert item["title"] == job.title
        fields = job_fields_from_json(item)
        for name, value in expected_fields(job).items():
            if name != "apply_instructions":  # JSON carries the stored text unchanged
                assert fields.get(name, "") == value, name
        assert fields.get("salary_min") == job.salary_min
        assert fields.get("salary_max") == job.salary_max
        assert fields["valid_through"] == job.valid_through.replace(microsecond=0)
        assert fields["organization_name"] == job.organization.name


async def test_ended_jobs_appear_as_deletion_marks_in_every_format(board, api):
    ended = board["ended"]
    atom = etree.fromstring((await api.get("/jobs/feed.atom")).content)
    marks = {mark.get("ref"): mark for mark in atom.findall(TOMBSTONE)}
    assert ended.uid in marks
    assert datetime.fromisoformat(marks[ended.uid].get("when")) == ended.status_changed_at.replace(
        microsecond=0
    )
    assert ended.uid not in {entry.findtext(f"{ATOM}id") for entry in atom.findall(f"{ATOM}entry")}

    rss = feedparser.parse((await api.get("/jobs/feed.rss")).content)
    marked = [entry for entry in rss.entries if entry.id == ended.uid]
    assert len(marked) == 1 and marked[0].amicus_deleted["when"]
    rss_root = etree.fromstring((await api.get("/jobs/feed.rss")).content)
    marker = rss_root.find("channel/item/{urn:amicus:feeds:1}deleted")
    assert marker.text == JobStatus.FILLED.value

    items = (await api.get("/jobs/feed.json")).json()["items"]
    marked_items = [item for item in items if item["id"] == ended.uid]
    assert marked_items[0]["_amicus"]["deleted"] is True


async def test_deletion_marks_follow_the_feeds_filters(board, api):
    atom = etree.fromstring((await api.get("/jobs/feed.atom?country=AR")).content)
    assert atom.findall(TOMBSTONE) == []


async def test_entries_are_newest_first_with_their_permanent_ids(board, api):
    parsed = feedparser.parse((await api.get("/federation/jobs.atom")).content)
    published = [entry.published_parsed for entry in parsed.entries]
    assert published == sorted(published, reverse=True)
    assert {entry.id for entry in parsed.entries} == {job.uid for job in board["jobs"].values()}


async def test_the_complete_feed_is_marked_complete(board, api):
    root = etree.fromstring((await api.get("/federation/jobs.atom")).content)
    assert root.find("{http://purl.org/syndication/history/1.0}complete") is not None


async def test_a_page_past_the_end_is_not_found(board, api):
    for path in ("/jobs/feed.atom?page=50", "/federation/jobs.json?page=5"):
        assert (await api.get(path)).status_code == 404


@pytest.mark.parametrize(
    "query",
    ["country=XX", "employment_type=SOMETIMES", "page=0", "posted_within=abc", "per_page=1000"],
)
async def test_invalid_feed_parameters_get_400_with_the_reason(board, api, query):
    response = await api.get(f"/jobs/feed.atom?{query}")
    assert response.status_code == 400
    assert response.text.strip()


async def test_unknown_organizations_have_no_feed(board, api):
    assert (await api.get("/orgs/no-such-org/jobs.atom")).status_code == 404


async def test_the_same_data_gives_byte_identical_feeds(board, api, live_server):
    for path in ("/jobs/feed.atom", "/jobs/feed.rss", "/jobs/feed.json", "/directory/feed.atom"):
        first = (await api.get(path)).content
        live_server.app.state.feed_cache.clear()
        assert (await api.get(path)).content == first


async def test_re_published_jobs_keep_their_origin_id_and_name_their_source(live_server, api):
    organization = await make_organization()
    imported = await make_job(
        organization,
        "Investigator",
        source_feed_url="https://sister.example.org/federation/jobs.atom",
        source_name="European Innocence Network",
        origin_url="https://sister.example.org/jobs/investigator",
    )
    parsed = feedparser.parse((await api.get("/jobs/feed.atom")).content)
    entry = parsed.entries[0]
    assert entry.id == imported.uid
    assert entry.link == imported.origin_url
    assert entry.source.title == "European Innocence Network"
    assert entry.source.links[0].href == imported.source_feed_url


async def test_the_directory_feed_lists_active_members_with_organization_fields(board, api):
    response = await api.get("/directory/feed.atom")
    assert atom_problems(response.content) == []
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo
    by_title = {entry.title: entry for entry in parsed.entries}
    assert by_title["Red Inocente"].schema_addresscountry == "AR"
    assert by_title["Ohio Innocence Project"].schema_knowslanguage == "en"


async def test_the_opml_file_lists_every_members_job_feed(board, api, live_server):
    response = await api.get("/directory.opml")
    assert response.headers["content-type"].startswith("text/x-opml")
    outlines = etree.fromstring(response.content).findall("body/outline")
    assert {outline.get("xmlUrl") for outline in outlines} == {
        f"{live_server.url}/orgs/ohio-innocence-project/jobs.atom",
        f"{live_server.url}/orgs/red-inocente/jobs.atom",
    }


def links_of(document: bytes) -> dict[str, str]:
    root = etree.fromstring(document)
    return {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}


async def test_a_search_feed_longer_than_a_page_links_its_pages(live_server, api):
    organization = await make_organization()
    for number in range(3):
        await make_job(organization, f"Investigator {number}")
    first = links_of((await api.get("/jobs/feed.atom?per_page=2")).content)
    assert first["next"].endswith("/jobs/feed.atom?per_page=2&page=2")
    assert "previous" not in first
    second_response = await api.get("/jobs/feed.atom?per_page=2&page=2")
    second = links_of(second_response.content)
    assert second["previous"].endswith("/jobs/feed.atom?per_page=2")
    assert "next" not in second
    assert len(feedparser.parse(second_response.content).entries) == 1


async def test_a_complete_feed_too_large_for_one_document_is_paged(live_server, api, monkeypatch):
    monkeypatch.setattr("feeds.publish.job_feed.COMPLETE_FEED_PAGE_SIZE", 2)
    organization = await make_organization()
    for number in range(3):
        await make_job(organization, f"Paralegal {number}")
    root = etree.fromstring((await api.get("/federation/jobs.atom")).content)
    assert root.find("{http://purl.org/syndication/history/1.0}complete") is None
    links = links_of((await api.get("/federation/jobs.atom")).content)
    assert links["next"].endswith("/federation/jobs.atom?page=2")
    assert links["last"].endswith("/federation/jobs.atom?page=2")
    for bad in ("zero", "²", "9" * 5000):
        assert (await api.get(f"/federation/jobs.atom?page={bad}")).status_code == 400


async def test_a_feed_speaks_the_language_its_url_asks_for(board, api):
    spanish = links_of((await api.get("/jobs/feed.atom?lang=es")).content)
    english = feedparser.parse(
        (await api.get("/jobs/feed.atom", headers={"Accept-Language": "es"})).content
    )
    assert english.feed.title == "Jobs in the Innocence Network"
    assert spanish["self"].endswith("/jobs/feed.atom?lang=es")


async def test_the_federation_page_documents_urls_namespaces_markers_and_the_hub(live_server, api):
    page = (await api.get("/federation")).text
    for text in (
        "/jobs/feed.atom",
        "/federation/jobs.atom",
        "/directory.opml",
        "https://schema.org/",
        "http://purl.org/atompub/tombstones/1.0",
        "amicus:deleted",
        "/websub/hub",
        "X-Hub-Signature",
    ):
        assert text in page


def test_a_topic_url_keeps_its_repeated_parameters():
    request = resolve_url("http://127.0.0.1/jobs/feed.atom?country=AR&country=JP")
    assert request.query.country == ("AR", "JP")
    assert request.url == "/jobs/feed.atom?country=AR&country=JP"
