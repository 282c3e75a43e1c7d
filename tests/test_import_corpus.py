"""Every document of the hostile feed corpus, served over HTTP, is subscribed, fetched and
imported without an unhandled exception; afterwards no page or feed answers 500, and no
script, event handler or javascript: URL reaches any of them."""

from __future__ import annotations

import asyncio
import logging

from feeds.aggregate.passes import run_pass
from feeds.models import FeedSubscription
from jobs.models import Job
from tests.helpers_federation import active_content
from tests.helpers_hostile_servers import RawRequest, raw_server, send
from tests.test_aggregator_corpus import CORPUS, content_type, corpus_files

PAGES = [
    "/jobs",
    "/jobs/feed.atom",
    "/jobs/feed.rss",
    "/jobs/feed.json",
    "/federation/jobs.atom",
    "/federation/jobs.json",
    "/directory",
    "/directory/feed.atom",
]


async def test_every_corpus_document_is_imported_and_nothing_dangerous_reaches_a_page(
    live_server, api, caplog
):
    files = corpus_files()
    by_path = {"/" + path.relative_to(CORPUS).as_posix(): path for path in files}

    async def serve(request: RawRequest, writer: asyncio.StreamWriter) -> None:
        path = by_path[request.path.split("?", 1)[0]]
        await send(writer, 200, path.read_bytes(), {"Content-Type": content_type(path)})

    caplog.set_level(logging.ERROR, logger="amicus.aggregator")
    async with raw_server({"*": serve}) as server:
        await FeedSubscription.bulk_create(
            [FeedSubscription(url=f"{server.url}{route}", name=route) for route in by_path]
        )
        summary = await run_pass(live_server.settings, per_host=16)
    assert summary.fetched == len(files)
    assert not [record.getMessage() for record in caplog.records], "an import failed"
    crashed = await FeedSubscription.filter(last_error__contains="could not be imported").count()
    assert crashed == 0
    assert await FeedSubscription.filter(lease_owner="").count() == len(files)
    jobs = await Job.all().values_list("slug", flat=True)
    # Many documents share links (example.com) or lack titles; those are one job or none.
    assert summary.imported >= len(jobs) > 0

    semaphore = asyncio.Semaphore(16)
    problems: list[str] = []

    async def check(path: str) -> None:
        async with semaphore:
            response = await api.get(path)
        if response.status_code != 200:
            problems.append(f"{path}: {response.status_code}")
        else:
            problems.extend(active_content(path, response.text))

    await asyncio.gather(*(check(path) for path in PAGES + [f"/jobs/{slug}" for slug in jobs]))
    assert problems == []
