"""The URL map: every route is named, the packages' route lists may come in any order, and
every URL the application publishes (pages, feeds, OPML, JSON Feed, the API) answers."""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter, defaultdict, deque
from urllib.parse import urljoin, urlsplit

import feedparser
import httpx
import lxml.html
from lxml import etree
from starlette.routing import BaseRoute, Mount, Route

import app as application
from app import create_app, site_urls
from core.settings import Settings
from core.urls import REVERSED_PATHS_KEPT, Urls
from directory.demo import load_demo_directory
from directory.invitations import invite_editor
from directory.models import Organization, OrganizationStatus
from feeds.aggregate.discovery import discover_feeds
from feeds.websub.subscriber import callback_url
from jobs.demo import load_demo_jobs
from jobs.models import Job, JobStatus
from tests.helpers_directory import make_account, make_admin, make_organization, sign_in

NAME = re.compile(
    r"^(?:(?:directory|jobs|feeds|hsds|alerts|mail|activitypub):[a-z0-9_]+"
    r"|healthz|readyz|metrics|openapi|robots|static)$"
)
# A value for each convertor the routes use, to build a concrete path for every route.
SAMPLES = {"IntegerConvertor": 7, "StringConvertor": "sample-slug"}
CRAWL_CAP = 600
PER_ROUTE = 40
# Signed-in pages are few; beyond them a crawl only walks the public site again.
SIGNED_IN_CAP = 60
FORMATS = ("atom", "rss", "json")
JSON_URL_FIELDS = ("url", "home_page_url", "feed_url", "next_url", "self", "next", "prev", "html")
ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$")
URI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$")


def _named_routes(routes: list[BaseRoute], prefix: str = "") -> list[tuple[str, Route]]:
    found: list[tuple[str, Route]] = []
    for route in routes:
        if isinstance(route, Mount) and route.routes:
            found += _named_routes(route.routes, f"{prefix}{route.name}:")
        elif isinstance(route, Route | Mount):
            found.append((prefix + (route.name or ""), route))
    return found


def _sample_path(urls: Urls, name: str, route: Route | Mount) -> str:
    params = {key: SAMPLES[type(value).__name__] for key, value in route.param_convertors.items()}
    return urls.path(name, **params)


def test_every_route_has_one_package_name():
    routes = _named_routes(create_app(Settings()).routes)
    names = [name for name, _route in routes]
    assert [name for name in names if not NAME.match(name)] == []
    assert len(names) == len(set(names)), "two routes share a name"


def test_the_order_of_the_packages_routes_does_not_change_which_route_answers(monkeypatch):
    settings = Settings()
    reference = site_urls(settings)
    samples = [
        (name, _sample_path(reference, name, route), method)
        for name, route in _named_routes(reference.routes)
        if name != "static"
        for method in (route.methods or {"GET"}) - {"HEAD"}
    ]
    assert len(samples) > 40
    for order in itertools.permutations(application.DOMAIN_MODULES):
        monkeypatch.setattr(application, "DOMAIN_MODULES", order)
        urls = site_urls(settings)
        for name, path, method in samples:
            found = urls.match_path(path, method)
            assert found is not None and found[0] == name, (order, path, method, found)


def test_urls_are_absolute_on_the_base_url_and_read_back_to_their_route():
    urls = site_urls(Settings(base_url="https://amicus.example.org"))
    page = urls.url("directory:organization", slug="lawyers-without-borders")
    assert page == "https://amicus.example.org/orgs/lawyers-without-borders"
    assert urls.match(page) == ("directory:organization", {"slug": "lawyers-without-borders"})
    feed = urls.url("feeds:jobs_feed", [("country", "AR"), ("country", "JP")], format="atom")
    assert feed == "https://amicus.example.org/jobs/feed.atom?country=AR&country=JP"
    assert urls.match(feed) == ("feeds:jobs_feed", {"format": "atom"})
    assert urls.match("https://elsewhere.example.org/orgs/x") is None
    assert urls.match("https://amicus.example.org/no/such/page") is None


def test_paths_reversed_once_stay_those_of_their_own_route_and_parameters():
    urls = site_urls(Settings(base_url="https://amicus.example.org"))
    # More slugs than are kept reversed, each asked twice, some after being pushed out.
    slugs = [f"job-{number}" for number in range(REVERSED_PATHS_KEPT + 50)]
    for slug in slugs + slugs[:100]:
        assert urls.path("jobs:job", key=slug) == f"/jobs/{slug}"
        assert urls.path("directory:organization", slug=slug) == f"/orgs/{slug}"
    assert urls.path("feeds:jobs_feed", format="rss") == "/jobs/feed.rss"
    assert urls.path("feeds:jobs_feed", format="atom") == "/jobs/feed.atom"


# --- the link crawl of a demo instance -----------------------------------------------------


def _html_links(body: str, page: str) -> list[str]:
    document = lxml.html.fromstring(body)
    found = document.xpath("//a/@href | //link/@href | //script/@src | //img/@src")
    return [urljoin(page, value) for value in found]


def _xml_links(body: bytes) -> list[str]:
    root = etree.fromstring(body)
    found = [value for value in root.xpath("//@href | //@xmlUrl | //@htmlUrl | //@url")]
    # Atom ids, RSS <link>s, schema.org urls and sitemap <loc>s that are URLs.
    for element in root.iter():
        name = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
        text = (element.text or "").strip()
        if name in ("id", "link", "url", "loc") and text.startswith("http"):
            found.append(text)
    return [str(value) for value in found]


def _json_links(value: object) -> list[str]:
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            if key in JSON_URL_FIELDS and isinstance(item, str):
                found.append(item)
            found += _json_links(item)
        return found
    if isinstance(value, list):
        return [link for item in value for link in _json_links(item)]
    return []


def _links_of(response: httpx.Response, url: str) -> list[str]:
    kind = response.headers.get("content-type", "").split(";")[0]
    if kind == "text/html":
        return _html_links(response.text, url)
    if kind in ("application/atom+xml", "application/rss+xml", "text/x-opml", "application/xml"):
        return _xml_links(response.content)
    if kind in ("application/json", "application/feed+json"):
        return _json_links(json.loads(response.content))
    return []


async def _demo_instance(live_server) -> None:
    await load_demo_directory(live_server.settings)
    await load_demo_jobs(live_server.settings)


async def _crawl(
    client: httpx.AsyncClient, base: str, seeds: list[str], urls: Urls, cap: int = CRAWL_CAP
) -> tuple[set[str], set[str]]:
    """Follow every link of this site from the seeds. Every link found must resolve to a
    route; each distinct URL is fetched at most once, the least fetched route's next URL
    first (so that a bounded crawl reaches every kind of page rather than every facet of
    one), at most PER_ROUTE of a route and `cap` in all, and each answers 2xx or 3xx.
    Returns the kinds of document and the routes fetched, to check coverage."""
    waiting: dict[str, deque[str]] = defaultdict(deque)
    seen: set[str] = set()
    referrers: dict[str, str] = {}
    fetched: Counter[str] = Counter()
    broken: list[tuple[str, int, str]] = []
    unrouted: list[tuple[str, str]] = []
    kinds: set[str] = set()

    def found(link: str, referrer: str) -> None:
        route = urls.match(link)
        seen.add(link)
        referrers[link] = referrer
        if route is not None:
            waiting[route[0]].append(link)
        elif urls.match(link, "POST") is None:
            # The WebSub hub (rel="hub") is a POST endpoint: it must exist, not answer GET.
            unrouted.append((link, referrer))

    for path in seeds:
        found(base + path, "")
    while fetched.total() < cap:
        open_routes = [name for name, queue in waiting.items() if queue]
        open_routes = [name for name in open_routes if fetched[name] < PER_ROUTE]
        if not open_routes:
            break
        route = min(open_routes, key=lambda name: fetched[name])
        url = waiting[route].popleft()
        fetched[route] += 1
        response = await client.get(url, follow_redirects=False)
        if response.status_code >= 400:
            broken.append((url, response.status_code, referrers[url]))
            continue
        kinds.add(response.headers.get("content-type", "").split(";")[0])
        for link in _links_of(response, url):
            link = link.split("#")[0]
            if link.startswith(base + "/") and link not in seen:
                found(link, url)
    assert broken == []
    assert unrouted == []
    return kinds, set(fetched)


async def test_every_link_of_a_demo_instance_answers(live_server, api):
    await _demo_instance(live_server)
    seeds = ["/", "/api/jobs", "/api/organizations", "/federation/jobs.atom"]
    seeds += ["/federation/jobs.rss", "/federation/jobs.json", "/directory.opml", "/sitemap.xml"]
    kinds, routes = await _crawl(api, live_server.url, seeds, site_urls(live_server.settings))
    # Every kind of document and every public page, feed and API list was reached.
    assert {"text/html", "application/atom+xml", "application/rss+xml"} <= kinds
    assert {"application/feed+json", "application/json", "text/x-opml", "application/xml"} <= kinds
    assert {
        "jobs:sitemap",
        "directory:home",
        "directory:directory",
        "directory:organization",
        "jobs:search",
        "jobs:job",
        "jobs:api_search",
        "directory:api_organizations",
        "feeds:jobs_feed",
        "feeds:organization_feed",
        "feeds:complete_feed",
        "feeds:directory_feed",
        "feeds:opml_feed",
        "feeds:federation",
    } <= routes


async def test_every_link_of_the_signed_in_pages_answers(live_server, new_browser):
    await _demo_instance(live_server)
    urls = site_urls(live_server.settings)
    admin = new_browser()
    await make_admin()
    await sign_in(admin, "admin@network.example.org")
    seeds = ["/admin", "/admin/feeds"]
    _kinds, routes = await _crawl(admin.http, live_server.url, seeds, urls, SIGNED_IN_CAP)
    assert {"directory:admin_members", "directory:admin_organization", "jobs:moderation"} <= routes
    job = await Job.filter(status=JobStatus.PUBLISHED).prefetch_related("organization").first()
    assert job is not None
    await make_account("owner@member.example.org", job.organization)
    owner = new_browser()
    await sign_in(owner, "owner@member.example.org")
    seeds = ["/dashboard", "/dashboard/jobs", "/dashboard/jobs/new"]
    _kinds, routes = await _crawl(owner.http, live_server.url, seeds, urls, SIGNED_IN_CAP)
    assert {"directory:dashboard", "jobs:dashboard", "jobs:new", "jobs:edit"} <= routes


async def test_urls_written_outside_pages_resolve_to_their_routes(live_server, api, browser):
    urls = site_urls(live_server.settings)
    # The sign-in redirect of a page that needs an account.
    redirect = await api.get("/dashboard", follow_redirects=False)
    assert urls.match_path(urlsplit(redirect.headers["location"]).path)[0] == "directory:sign_in"
    # The WebSub callback this instance gives the hubs of the feeds it imports.
    assert urls.match(callback_url(live_server.settings, 5)) == ("feeds:callback", {"id": 5})
    # The invitation link of the e-mail.
    member = await make_organization("inviting-member")
    owner = await make_account("owner@inviting.example.org", member)
    _invitation, link = await invite_editor(
        member,
        owner,
        {"email": "editor@inviting.example.org"},
        live_server.settings,
        urls,
        "127.0.0.1",
    )
    name, params = urls.match(link)
    assert name == "directory:invitation"
    assert (await api.get(link)).status_code == 200


# --- feed discovery from each page kind ------------------------------------------------------


async def test_each_public_page_kind_announces_its_feeds(live_server, api):
    await _demo_instance(live_server)
    member = await Organization.filter(status=OrganizationStatus.ACTIVE).first()
    assert member is not None
    expected = {
        "/": ["/jobs/feed.atom", "/jobs/feed.rss", "/jobs/feed.json", "/directory/feed.atom"],
        "/jobs?country=AR&work_mode=remote": [
            "/jobs/feed.atom?country=AR&work_mode=remote",
            "/jobs/feed.rss?country=AR&work_mode=remote",
            "/jobs/feed.json?country=AR&work_mode=remote",
        ],
        "/directory": ["/directory/feed.atom"],
        f"/orgs/{member.slug}": [f"/orgs/{member.slug}/jobs.{kind}" for kind in FORMATS],
    }
    for page, feeds in expected.items():
        response = await api.get(page)
        assert response.status_code == 200
        found = discover_feeds(response.content, live_server.url + page)
        assert found[: len(feeds)] == [live_server.url + feed for feed in feeds], page
        for feed in found:
            assert (await api.get(feed)).status_code == 200, feed
    # The OPML list of the members' job feeds is announced too (readers import it).
    directory = (await api.get("/directory")).text
    assert '<link rel="alternate" type="text/x-opml" href="/directory.opml"' in directory


# --- feed validity ---------------------------------------------------------------------------


def _check_atom(body: bytes, url: str) -> None:
    root = etree.fromstring(body)
    for node in [root, *root.findall(f"{ATOM}entry")]:
        alternates = [
            (link.get("type"), link.get("hreflang"))
            for link in node.findall(f"{ATOM}link")
            if link.get("rel", "alternate") == "alternate"
        ]
        assert len(alternates) == len(set(alternates)), (url, alternates)  # RFC 4287 4.1.1
        ident = node.findtext(f"{ATOM}id")
        assert ident and URI.match(ident), (url, ident)
        for name in ("updated", "published"):
            for date in node.findall(f"{ATOM}{name}"):
                assert RFC3339.match(date.text or ""), (url, date.text)
        for content in node.findall(f"{ATOM}content"):
            assert (content.text or "").strip() or len(content), (url, "empty content")
        assert node.findtext(f"{ATOM}title") is not None


def _check_rss(body: bytes, url: str, page: str) -> None:
    channel = etree.fromstring(body).find("channel")
    assert channel is not None
    for name in ("title", "link", "description"):
        assert (channel.findtext(name) or "").strip(), (url, name)
    # The channel's link is the HTML page the feed mirrors, not the feed itself.
    assert channel.findtext("link") == page, url
    items = channel.findall("item")
    jobs = [item for item in items if item.find("{*}deleted") is None]
    assert jobs, url
    for item in items:
        assert item.findtext("title") or item.findtext("description")
    for item in jobs:
        assert (item.findtext("{http://purl.org/dc/elements/1.1/}creator") or "").strip(), url
        assert item.findtext("pubDate")


def _check_json_feed(body: bytes, url: str, page: str) -> None:
    document = json.loads(body)
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["title"] and document["home_page_url"] == page
    assert document["feed_url"] == url
    for item in document["items"]:
        assert item["id"] and ("content_html" in item or "content_text" in item)
        for name in ("date_published", "date_modified"):
            if name in item:
                assert RFC3339.match(item[name]), (url, item[name])


async def test_every_feed_kind_is_valid(live_server, api):
    await _demo_instance(live_server)
    base = live_server.url
    # A member with open jobs, so that its feed has entries to check.
    job = await Job.filter(status=JobStatus.PUBLISHED).prefetch_related("organization").first()
    assert job is not None
    member = job.organization
    pages = {
        "/jobs/feed": f"{base}/jobs",
        "/federation/jobs": f"{base}/jobs",
        f"/orgs/{member.slug}/jobs": f"{base}/orgs/{member.slug}",
    }
    for stem, page in pages.items():
        for kind in FORMATS:
            url = f"{base}{stem}.{kind}"
            response = await api.get(url)
            assert response.status_code == 200, url
            if kind == "atom":
                _check_atom(response.content, url)
            elif kind == "rss":
                _check_rss(response.content, url, page)
            else:
                _check_json_feed(response.content, url, page)
    directory = await api.get(f"{base}/directory/feed.atom")
    _check_atom(directory.content, "directory")
    root = etree.fromstring(directory.content)
    for entry in root.findall(f"{ATOM}entry"):
        slug = entry.findtext(f"{ATOM}id").rsplit("/", 1)[-1]
        links = {link.get("rel"): link.get("href") for link in entry.findall(f"{ATOM}link")}
        # A member is named by its real page, and its job feed is a related link.
        assert links == {
            "alternate": f"{base}/orgs/{slug}",
            "related": f"{base}/orgs/{slug}/jobs.atom",
        }
    # What a reader shows: the member's page as its link, the organization as a job's author.
    read = feedparser.parse(directory.content)
    assert [entry.link for entry in read.entries] == [entry.id for entry in read.entries]
    rss = feedparser.parse((await api.get(f"{base}/jobs/feed.rss")).content)
    authors = [entry.get("author") for entry in rss.entries if "amicus_deleted" not in entry]
    assert authors and all(authors), authors
    opml = etree.fromstring((await api.get(f"{base}/directory.opml")).content)
    outlines = opml.findall(".//outline")
    assert outlines
    for outline in outlines:
        assert re.fullmatch(rf"{re.escape(base)}/orgs/[a-z0-9-]+", outline.get("htmlUrl"))
        assert outline.get("xmlUrl") == outline.get("htmlUrl") + "/jobs.atom"
