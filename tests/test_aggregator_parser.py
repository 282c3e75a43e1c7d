"""The parse stage: every backend reads Amicus's federation extensions, and hostile documents
are read as far as they go without fetching anything."""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from feeds.aggregate.parse import parse_feed, parse_feed_async
from feeds.aggregate.parse_backends import BACKENDS
from tests.helpers_hostile_servers import raw_server, replying

URL = "https://a.example/jobs/feed.atom"
ALL_BACKENDS = sorted(BACKENDS)

AMICUS_ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:schema="https://schema.org/"
      xmlns:at="http://purl.org/atompub/tombstones/1.0"
      xmlns:fh="http://purl.org/syndication/history/1.0" xmlns:amicus="urn:amicus:feeds:1"
      xml:lang="en">
  <title>Innocence Network jobs</title>
  <id>urn:uuid:4d3f2a9e-0000-4000-8000-000000000000</id>
  <updated>2026-03-02T10:00:00Z</updated>
  <link rel="self" href="https://a.example/jobs/feed.atom"/>
  <link rel="hub" href="https://a.example/websub"/>
  <link rel="next" href="/jobs/feed.atom?page=2"/>
  <link rel="alternate" type="text/html" href="/jobs"/>
  <fh:complete/>
  <entry xml:lang="es">
    <title>Abogada de planta</title>
    <id>urn:uuid:11111111-1111-4111-8111-111111111111</id>
    <published>2026-03-01T09:00:00Z</published>
    <updated>2026-03-02T09:30:00Z</updated>
    <link rel="alternate" href="https://a.example/jobs/abogada"/>
    <author><name>Red Inocente</name></author>
    <category term="attorney"/>
    <category term="policy"/>
    <summary type="html">&lt;p&gt;Defensa de personas condenadas injustamente.&lt;/p&gt;</summary>
    <content type="html">&lt;p&gt;Full description.&lt;/p&gt;</content>
    <schema:employmentType>FULL_TIME</schema:employmentType>
    <schema:validThrough>2026-04-30T23:59:59Z</schema:validThrough>
    <schema:jobLocationType>TELECOMMUTE</schema:jobLocationType>
    <schema:applicantLocationRequirements>AR CL</schema:applicantLocationRequirements>
    <schema:occupationalCategory>attorney</schema:occupationalCategory>
    <schema:occupationalCategory>policy</schema:occupationalCategory>
    <schema:baseSalary>
      <schema:currency>ARS</schema:currency>
      <schema:minValue>900000</schema:minValue>
      <schema:maxValue>1200000</schema:maxValue>
      <schema:unitText>MONTH</schema:unitText>
    </schema:baseSalary>
    <amicus:workMode>remote</amicus:workMode>
    <amicus:jobStatus>published</amicus:jobStatus>
    <source>
      <id>urn:uuid:99999999-9999-4999-8999-999999999999</id>
      <title>Red Inocente</title>
      <link rel="self" href="https://red.example/jobs/feed.atom"/>
    </source>
  </entry>
  <at:deleted-entry ref="urn:uuid:22222222-2222-4222-8222-222222222222"
                    when="2026-03-02T08:00:00Z">
    <at:link href="https://a.example/jobs/filled-role"/>
    <amicus:jobStatus>filled</amicus:jobStatus>
  </at:deleted-entry>
</feed>"""

RSS = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:schema="https://schema.org/" xmlns:amicus="urn:amicus:feeds:1">
<channel><title>Careers</title><link>https://member.example/</link><ttl>180</ttl>
<language>en-gb</language>
<item><title>Investigator &amp; paralegal</title><guid isPermaLink="false">job-7</guid>
<link>/careers/7</link><description>&lt;b&gt;Part time&lt;/b&gt;</description>
<category>investigator</category><pubDate>Mon, 02 Mar 2026 10:00:00 GMT</pubDate>
<schema:employmentType>PART_TIME</schema:employmentType></item>
<item><title>This job is no longer open</title><guid isPermaLink="false">job-6</guid>
<link>https://member.example/careers/6</link>
<amicus:deleted when="2026-03-01T12:00:00Z">filled</amicus:deleted></item>
<item><title>Ended</title><guid isPermaLink="false">job-5</guid>
<amicus:jobStatus>closed</amicus:jobStatus></item>
</channel></rss>"""


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_an_amicus_atom_feed_is_read_with_every_federation_extension(backend: str) -> None:
    feed = parse_feed(AMICUS_ATOM, URL, "application/atom+xml", backend=backend)
    assert feed.is_feed and feed.problems == []
    assert feed.title == "Innocence Network jobs"
    assert feed.link == "https://a.example/jobs"
    assert feed.self_url == URL
    assert feed.hub_url == "https://a.example/websub"
    assert feed.next_url == "https://a.example/jobs/feed.atom?page=2"
    assert feed.complete
    job, tombstone = feed.entries
    assert job.id == "urn:uuid:11111111-1111-4111-8111-111111111111"
    assert job.title == "Abogada de planta"
    assert job.link == "https://a.example/jobs/abogada"
    assert "Defensa de personas" in job.summary_html
    assert "Full description." in job.content_html
    assert job.published == datetime(2026, 3, 1, 9, tzinfo=UTC)
    assert job.updated == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert job.author == "Red Inocente"
    assert job.categories == ["attorney", "policy"]
    assert job.language == "es"
    assert job.schema_fields == {
        "employmentType": "FULL_TIME",
        "validThrough": "2026-04-30T23:59:59Z",
        "jobLocationType": "TELECOMMUTE",
        "applicantLocationRequirements": "AR CL",
        "occupationalCategory": ["attorney", "policy"],
        "baseSalary": {
            "currency": "ARS",
            "minValue": "900000",
            "maxValue": "1200000",
            "unitText": "MONTH",
        },
    }
    assert job.job_fields["employment_type"] == "FULL_TIME"
    assert job.job_fields["valid_through"] == datetime(2026, 4, 30, 23, 59, 59, tzinfo=UTC)
    assert job.job_fields["remote_countries"] == ["AR", "CL"]
    assert job.job_fields["salary_min"] == Decimal("900000")
    assert job.job_fields["salary_unit"] == "MONTH"
    assert job.job_fields["work_mode"] == "remote"
    assert job.job_fields["category"] == "attorney"
    assert job.source is not None
    assert job.source.id == "urn:uuid:99999999-9999-4999-8999-999999999999"
    assert job.source.title == "Red Inocente"
    assert job.source.link == "https://red.example/jobs/feed.atom"
    assert not job.is_deletion and not job.closed
    assert tombstone.id == "urn:uuid:22222222-2222-4222-8222-222222222222"
    assert tombstone.deleted == datetime(2026, 3, 2, 8, tzinfo=UTC)
    assert tombstone.is_deletion and tombstone.closed
    assert tombstone.link == "https://a.example/jobs/filled-role"
    assert tombstone.job_fields == {"status": "filled"}


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_an_rss_feed_gives_ttl_absolute_links_schema_fields_and_deletion_marks(
    backend: str,
) -> None:
    feed = parse_feed(
        RSS, "https://member.example/careers.rss", "application/rss+xml", backend=backend
    )
    assert feed.ttl_minutes == 180
    assert feed.language == "en-gb"
    assert not feed.complete
    open_job, deleted_job, ended_job = feed.entries
    assert open_job.id == "job-7"
    assert open_job.link == "https://member.example/careers/7"
    assert open_job.categories == ["investigator"]
    assert open_job.published == datetime(2026, 3, 2, 10, tzinfo=UTC)
    assert open_job.schema_fields == {"employmentType": "PART_TIME"}
    assert open_job.job_fields == {"employment_type": "PART_TIME"}
    assert not open_job.closed and not open_job.is_deletion
    assert deleted_job.closed and deleted_job.is_deletion
    assert deleted_job.deleted == datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert deleted_job.job_fields == {"status": "filled"}
    assert ended_job.closed and not ended_job.is_deletion


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_a_plain_feed_leaves_unknown_fields_empty(backend: str) -> None:
    plain = b"""<rss version="2.0"><channel><title>News</title>
    <item><title>Hello</title><link>https://n.example/1</link>
    <pubDate>Mon, 02 Mar 2026 10:00:00 GMT</pubDate></item></channel></rss>"""
    feed = parse_feed(plain, "https://n.example/rss", "application/rss+xml", backend=backend)
    entry = feed.entries[0]
    assert entry.schema_fields == {} and entry.source is None
    assert entry.published == datetime(2026, 3, 2, 10, tzinfo=UTC)
    assert entry.author == "" and entry.categories == [] and entry.summary_html == ""
    assert not entry.closed and not entry.is_deletion


JSON_FEED = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Red Inocente — empleos",
    "home_page_url": "https://red.example/",
    "feed_url": "https://red.example/jobs/feed.json",
    "next_url": "https://red.example/jobs/feed.json?page=2",
    "language": "es",
    "hubs": [{"type": "WebSub", "url": "https://red.example/websub"}],
    "_amicus": {"complete": True},
    "items": [
        {
            "id": "urn:uuid:33333333-3333-4333-8333-333333333333",
            "url": "/jobs/investigador",
            "title": "Investigador",
            "content_text": "Trabajo de <campo> & archivo",
            "summary": "Breve",
            "date_published": "2026-03-01T09:00:00Z",
            "date_modified": "2026-03-02T09:00:00+01:00",
            "authors": [{"name": "Red Inocente"}],
            "tags": ["investigator", 7, None],
            "_schema_org": {"@type": "JobPosting", "employmentType": "FULL_TIME"},
            "_amicus": {"workMode": "hybrid", "jobStatus": "published"},
        },
        {
            "id": 44,
            "title": "Cerrado",
            "_amicus": {"deleted": True, "when": "2026-03-02T00:00:00Z", "jobStatus": "filled"},
        },
        "not an item",
    ],
}


def test_a_json_feed_is_read_with_its_schema_org_extension_and_markers() -> None:
    body = json.dumps(JSON_FEED).encode()
    feed = parse_feed(body, "https://red.example/jobs/feed.json", "application/feed+json")
    assert feed.is_feed and feed.parser == "json"
    assert feed.title == "Red Inocente — empleos"
    assert feed.hub_url == "https://red.example/websub"
    assert feed.self_url == "https://red.example/jobs/feed.json"
    assert feed.next_url == "https://red.example/jobs/feed.json?page=2"
    assert feed.complete
    job, closed = feed.entries
    assert job.link == "https://red.example/jobs/investigador"
    assert job.content_html == "<p>Trabajo de &lt;campo&gt; &amp; archivo</p>"
    assert job.summary_html == "Breve"
    assert job.published == datetime(2026, 3, 1, 9, tzinfo=UTC)
    assert job.updated == datetime(2026, 3, 2, 8, tzinfo=UTC)
    assert job.author == "Red Inocente"
    assert job.categories == ["investigator", "7"]
    assert job.language == "es"
    assert job.schema_fields == {"@type": "JobPosting", "employmentType": "FULL_TIME"}
    assert job.job_fields == {
        "employment_type": "FULL_TIME",
        "work_mode": "hybrid",
        "status": "published",
    }
    assert not job.closed
    assert closed.id == "44" and closed.closed and closed.job_fields["status"] == "filled"
    assert closed.deleted == datetime(2026, 3, 2, tzinfo=UTC)
    assert feed.problems == ["An item of the JSON Feed is not an object; it was skipped."]


def test_a_json_feed_1_0_author_is_read() -> None:
    document = {
        "version": "https://jsonfeed.org/version/1",
        "title": "Old",
        "author": {"name": "Someone"},
        "items": [{"id": "1", "content_html": "<p>x</p>"}],
    }
    feed = parse_feed(json.dumps(document).encode(), "https://o.example/f.json", "application/json")
    assert feed.entries[0].author == "Someone"
    assert feed.entries[0].content_html == "<p>x</p>"


@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"title": "no version"}', b"[" * 100_000 + b"]" * 100_000, b'{"version": 3}'],
)
def test_json_that_is_not_a_json_feed_is_recorded_without_an_exception(body: bytes) -> None:
    feed = parse_feed(body, "https://o.example/f.json", "application/json")
    assert not feed.is_feed
    assert feed.problems


@pytest.mark.parametrize("backend", ["feedparser", "feedparser-rs+fallback"])
def test_a_truncated_feed_is_read_as_far_as_it_goes_and_the_problem_recorded(
    backend: str,
) -> None:
    truncated = RSS[: RSS.index(b"<item><title>This job")] + b"<item><title>Thi"
    feed = parse_feed(truncated, "https://member.example/careers.rss", "", backend=backend)
    assert feed.is_feed
    assert feed.entries[0].id == "job-7"
    assert feed.bozo_reason
    assert "read as far as possible" in feed.problems[0]


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_a_plain_text_body_is_not_a_feed(backend: str) -> None:
    feed = parse_feed(b"Service temporarily down", URL, "text/plain", backend=backend)
    assert not feed.is_feed
    assert feed.problems == ["This is not a feed (no RSS, Atom or JSON Feed found)."]


@pytest.mark.parametrize("backend", ALL_BACKENDS)
async def test_a_body_that_is_a_url_is_never_fetched(backend: str) -> None:
    async with raw_server({"*": replying(200, AMICUS_ATOM)}) as server:
        for body in (f"{server.url}/feed".encode(), f"  {server.url}/feed\n".encode()):
            feed = await parse_feed_async(body, URL, "application/atom+xml", backend=backend)
            assert feed.entries == []
    assert server.requests == []


@pytest.mark.parametrize("backend", ALL_BACKENDS)
async def test_external_entities_and_dtds_are_never_loaded(backend: str) -> None:
    async with raw_server({"*": replying(200, b"SECRET-FROM-THE-NETWORK")}) as server:
        body = f"""<?xml version="1.0"?>
<!DOCTYPE feed SYSTEM "{server.url}/feed.dtd" [
  <!ENTITY remote SYSTEM "{server.url}/secret">
  <!ENTITY local SYSTEM "file:///etc/passwd">
]>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:schema="https://schema.org/">
<title>t &remote; &local;</title>
<entry><id>urn:x:1</id><title>e &remote; &local;</title>
<schema:title>&remote;&local;</schema:title></entry></feed>""".encode()
        feed = await parse_feed_async(body, URL, "application/atom+xml", backend=backend)
    assert server.requests == []
    everything = repr(feed)
    assert "SECRET-FROM-THE-NETWORK" not in everything
    assert "root:" not in everything


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_an_entity_expansion_bomb_is_not_expanded(backend: str) -> None:
    levels = ['<!ENTITY lol0 "lollollollollollollollollollol">']
    levels += [f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)]
    body = (
        '<?xml version="1.0"?><!DOCTYPE feed [' + "".join(levels) + "]>"
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:schema="https://schema.org/">'
        "<title>&lol9;</title><entry><id>urn:x:1</id><schema:x>&lol9;</schema:x></entry></feed>"
    ).encode()
    feed = parse_feed(body, URL, "application/atom+xml", backend=backend)
    assert len(repr(feed)) < 1_000_000


async def test_parsing_in_a_process_pool_gives_the_same_result_as_in_a_thread() -> None:
    with ProcessPoolExecutor(max_workers=1) as pool:
        in_process = await parse_feed_async(AMICUS_ATOM, URL, "application/atom+xml", executor=pool)
    in_thread = await parse_feed_async(AMICUS_ATOM, URL, "application/atom+xml")
    assert in_process == in_thread


HOSTILE_FIELDS = b"""<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:schema="https://schema.org/"
      xmlns:amicus="urn:amicus:feeds:1">
<title>t</title><entry><id>urn:x:1</id><title>e</title>
<schema:validThrough>not a date</schema:validThrough>
<schema:datePosted>9999-99-99T99:99:99Z</schema:datePosted>
<schema:baseSalary><schema:minValue>1e999999999</schema:minValue>
<schema:maxValue>NaN</schema:maxValue><schema:currency><b>x</b></schema:currency></schema:baseSalary>
<schema:hiringOrganization>text only</schema:hiringOrganization>
<amicus:memberSince>yesterday</amicus:memberSince>
<amicus:deleted when="never">closed</amicus:deleted>
</entry></feed>"""


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_nonsense_in_structured_fields_is_read_as_far_as_it_goes(backend: str) -> None:
    feed = parse_feed(HOSTILE_FIELDS, URL, "application/atom+xml", backend=backend)
    entry = feed.entries[0]
    assert entry.job_fields.get("valid_through") is None
    assert entry.closed and entry.deleted_without_time


def test_hostile_json_feed_fields_never_raise() -> None:
    item = {
        "id": "1",
        "_schema_org": {
            "validThrough": 7,
            "baseSalary": {"value": {"minValue": "1e999999999", "maxValue": [1]}},
            "jobLocation": {"address": "nowhere"},
            "applicantLocationRequirements": [None, {"name": 3}],
            "hiringOrganization": "text",
        },
        "_amicus": {"deleted": "yes", "jobStatus": ["x"]},
    }
    document = {"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [item]}
    feed = parse_feed(json.dumps(document).encode(), "https://o.example/f.json", "")
    assert feed.is_feed
    assert len(feed.entries) + len(feed.problems) == 1


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_links_to_private_addresses_are_kept_for_closed_networks(backend: str) -> None:
    plain = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>Closed network</title>
    <link rel="self" href="http://10.1.2.3/jobs.atom"/><link href="http://10.1.2.3/jobs"/>
    <entry><id>urn:x:1</id><title>Job</title><link href="http://127.0.0.1:8000/jobs/1"/></entry>
    </feed>"""
    feed = parse_feed(plain, "http://10.1.2.3/jobs.atom", "application/atom+xml", backend=backend)
    assert feed.self_url == "http://10.1.2.3/jobs.atom"
    assert feed.link == "http://10.1.2.3/jobs"
    assert feed.entries[0].link == "http://127.0.0.1:8000/jobs/1"


TITLES = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>T</title>
<item><guid>text</guid><title>Staff &amp; &lt;Investigator&gt;</title></item>
<item><guid>markup</guid><title>Staff &amp;amp; &lt;b&gt;Investigator&lt;/b&gt;</title></item>
</channel></rss>"""


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_titles_are_plain_text_whether_the_feed_wrote_text_or_markup(backend: str) -> None:
    text, markup = parse_feed(TITLES, "https://t.example/rss", "", backend=backend).entries
    assert text.title == "Staff & <Investigator>"
    assert markup.title == "Staff & Investigator"


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_atom_titles_follow_their_declared_type(backend: str) -> None:
    body = b"""<feed xmlns="http://www.w3.org/2005/Atom" xmlns:schema="https://schema.org/">
    <title>T</title>
    <entry><id>urn:x:1</id><title>Staff &amp; &lt;Investigator&gt;</title></entry>
    <entry><id>urn:x:2</id><title type="html">Staff &amp;amp; &lt;b&gt;bold&lt;/b&gt;</title></entry>
    </feed>"""
    text, markup = parse_feed(body, URL, "application/atom+xml", backend=backend).entries
    assert text.title == "Staff & <Investigator>"
    assert markup.title == "Staff & bold"


# feedparser 6 raises OverflowError on a character reference beyond Unicode.
CRASHES_FEEDPARSER = b"<rss><channel><title>&#99999999999;</title></channel></rss>"


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_a_document_that_crashes_a_parser_library_is_recorded_not_raised(backend: str) -> None:
    feed = parse_feed(CRASHES_FEEDPARSER, URL, "application/xml", backend=backend)
    assert feed.problems or feed.is_feed
    if backend == "feedparser":
        assert not feed.is_feed
        assert "OverflowError" in feed.problems[0]
