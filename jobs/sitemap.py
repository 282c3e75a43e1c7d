"""sitemap.xml (sitemaps.org protocol 0.9): the site's public pages, every visible job and
every listed organization, each with its last change.

One file holds at most SITEMAP_LIMIT addresses (the protocol's 50,000); past that,
/sitemap.xml is a sitemap index naming /sitemap.xml?page=N, each a file of the limit. Jobs
come through jobs.lifecycle.visible_now and organizations through the directory's own
listing, so a sitemap never names a page that answers 404.
"""

from __future__ import annotations

from datetime import UTC, datetime
from xml.sax.saxutils import escape

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from core.pagination import Page
from core.urls import Urls
from core.validation import InvalidValue, whole_number
from directory.search import DirectoryQuery, find_organizations
from jobs.lifecycle import visible_now
from jobs.models import Job

SITEMAP_LIMIT = 50_000
MEDIA_TYPE = "application/xml; charset=utf-8"
_NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
# The pages that list rather than show one thing.
_PUBLIC_PAGES = ("directory:home", "jobs:search", "directory:directory", "directory:find_help")


async def _entries(
    urls: Urls, default_days: int, now: datetime
) -> list[tuple[str, datetime | None]]:
    entries: list[tuple[str, datetime | None]] = [(urls.url(name), None) for name in _PUBLIC_PAGES]
    entries += [
        (organization.page_url(urls), organization.updated_at)
        for organization in await find_organizations(DirectoryQuery())
    ]
    jobs = Job.filter(visible_now(now, default_days)).order_by("-posted_at", "-id")
    entries += [
        (job.page_url(urls), job.updated_at) for job in await jobs.only("slug", "updated_at")
    ]
    return entries


def _document(root: str, item: str, entries: list[tuple[str, datetime | None]]) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<{root} xmlns="{_NAMESPACE}">']
    for location, changed in entries:
        lastmod = f"<lastmod>{changed.astimezone(UTC).isoformat()}</lastmod>" if changed else ""
        lines.append(f"<{item}><loc>{escape(location)}</loc>{lastmod}</{item}>")
    lines.append(f"</{root}>")
    return "\n".join(lines) + "\n"


async def sitemap(request: Request) -> Response:
    urls: Urls = request.app.state.urls
    now = datetime.now(UTC)
    entries = await _entries(urls, request.app.state.settings.job_default_days, now)
    raw = request.query_params.get("page")
    if raw is None:
        if len(entries) <= SITEMAP_LIMIT:
            return Response(_document("urlset", "url", entries), media_type=MEDIA_TYPE)
        pages = Page(1, SITEMAP_LIMIT, len(entries)).pages
        index = [(urls.url("jobs:sitemap", {"page": n}), None) for n in range(1, pages + 1)]
        return Response(_document("sitemapindex", "sitemap", index), media_type=MEDIA_TYPE)
    try:
        number = whole_number(raw, "page", minimum=1, maximum=10_000)
    except InvalidValue as error:
        raise HTTPException(400, str(error)) from error
    page = Page(number, SITEMAP_LIMIT, len(entries))
    if page.is_past_last:
        raise HTTPException(404, page.past_last_message())
    chosen = entries[page.offset : page.offset + page.per_page]
    return Response(_document("urlset", "url", chosen), media_type=MEDIA_TYPE)
