"""sitemap.xml: the public pages crawlers should know of, with the date each last changed.

The active organizations' pages and the visible jobs posted here (an imported job's
canonical page is its origin's, so the origin lists it). Past PER_FILE URLs the sitemap
becomes an index of numbered files, as the sitemap protocol requires.
"""

from __future__ import annotations

from datetime import datetime
from xml.sax.saxutils import escape

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from tortoise.queryset import QuerySet

from core.settings import Settings
from core.urls import Urls
from directory.models import Organization, OrganizationStatus
from jobs.lifecycle import utc_now, visible_now
from jobs.models import Job

# The protocol's limit of URLs in one sitemap file.
PER_FILE = 50_000
NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
MEDIA_TYPE = "application/xml"


def _organizations() -> QuerySet[Organization]:
    return Organization.filter(status=OrganizationStatus.ACTIVE).order_by("id")


def _jobs(settings: Settings, now: datetime) -> QuerySet[Job]:
    visible = visible_now(now, settings.job_default_days)
    return Job.filter(visible, source_feed_url="").order_by("id")


async def _entries(
    settings: Settings, urls: Urls, offset: int, limit: int
) -> list[tuple[str, datetime]]:
    """URLs offset..offset+limit of the whole list: organizations first, then jobs."""
    now = utc_now()
    organizations = await _organizations().offset(offset).limit(limit)
    entries = [(org.page_url(urls), org.updated_at) for org in organizations]
    remaining = limit - len(entries)
    if remaining > 0:
        skip = max(0, offset - await _organizations().count())
        jobs = await _jobs(settings, now).offset(skip).limit(remaining)
        entries += [(job.page_url(urls), job.updated_at) for job in jobs]
    return entries


async def _total(settings: Settings) -> int:
    return await _organizations().count() + await _jobs(settings, utc_now()).count()


def _url_set(entries: list[tuple[str, datetime]]) -> Response:
    body = "".join(
        f"<url><loc>{escape(url)}</loc><lastmod>{changed.isoformat()}</lastmod></url>"
        for url, changed in entries
    )
    return _xml(f'<urlset xmlns="{NAMESPACE}">{body}</urlset>')


def _xml(body: str) -> Response:
    return Response('<?xml version="1.0" encoding="UTF-8"?>\n' + body, media_type=MEDIA_TYPE)


async def sitemap(request: Request) -> Response:
    """The sitemap itself while it fits in one file, else the index of its files."""
    settings: Settings = request.app.state.settings
    urls: Urls = request.app.state.urls
    total = await _total(settings)
    if total <= PER_FILE:
        return _url_set(await _entries(settings, urls, 0, PER_FILE))
    files = (total + PER_FILE - 1) // PER_FILE
    body = "".join(
        f"<sitemap><loc>{escape(urls.url('jobs:sitemap_file', number=number))}</loc></sitemap>"
        for number in range(1, files + 1)
    )
    return _xml(f'<sitemapindex xmlns="{NAMESPACE}">{body}</sitemapindex>')


async def sitemap_file(request: Request) -> Response:
    """File `number` (from 1) of a sitemap too long for one."""
    settings: Settings = request.app.state.settings
    number: int = request.path_params["number"]
    offset = (number - 1) * PER_FILE
    if number < 1 or offset >= await _total(settings):
        raise HTTPException(404, "No such sitemap file.")
    return _url_set(await _entries(settings, request.app.state.urls, offset, PER_FILE))
