"""Job feeds as JSON Feed 1.1 (https://jsonfeed.org/version/1.1), written by hand: the
format is a small JSON object and no well-kept library covers it.

Extensions (names starting with "_", as the specification asks):
- item `_schema_org`: the job as a schema.org JobPosting (feeds.schema_fields);
- item `_amicus`: fields schema.org has no property for, and for a deletion mark
  `{"deleted": true, "when": RFC 3339, "jobStatus": ...}`;
- top-level `_amicus`: `{"complete": true}` for a complete feed (RFC 5005 meaning), the
  WebSub `hubs` list is the specification's own.
"""

from __future__ import annotations

import json
from typing import Any

from core.i18n import gettext as _
from core.urls import Urls
from feeds.publish.atom_rss import entry_link
from feeds.publish.job_feed import FeedJob, JobFeed
from feeds.schema_fields import json_extensions, rfc3339

VERSION_URL = "https://jsonfeed.org/version/1.1"


def _item(job: FeedJob, urls: Urls) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": job.uid,
        "url": entry_link(job, urls),
        "title": job.title,
        "content_html": job.description_html,
        "date_modified": rfc3339(job.republished_updated),
        "authors": [{"name": job.organization.name}],
    }
    if job.posted_at is not None:
        item["date_published"] = rfc3339(job.posted_at)
    if job.language:
        item["language"] = job.language
    if job.is_imported:
        item["external_url"] = job.source_feed_url
    item.update(json_extensions(job, urls))
    if job.is_imported:
        # JSON Feed has no <source>: the same metadata, read back by the aggregator.
        item["_amicus"]["source"] = {
            "id": job.source_id or job.source_link or job.source_feed_url,
            "title": job.source_title or job.source_name,
            "url": job.source_link or job.source_feed_url,
            **({"updated": rfc3339(job.source_updated_at)} if job.source_updated_at else {}),
        }
    return item


def render_json_feed(feed: JobFeed, publisher: str) -> bytes:
    document: dict[str, Any] = {
        "version": VERSION_URL,
        "title": feed.title,
        "home_page_url": feed.html_url,
        "feed_url": feed.self_url("json"),
        "description": _(
            "Open jobs, newest first; jobs that ended in the last 30 days appear as deletion marks."
        ),
        "authors": [{"name": publisher}],
        "hubs": [{"type": "WebSub", "url": feed.hub_url}],
    }
    next_url = feed.paging_links("json").get("next")
    if next_url:
        document["next_url"] = next_url
    document["_amicus"] = {"complete": feed.complete, "updated": rfc3339(feed.updated)}
    items = [_item(job, feed.urls) for job in feed.jobs]
    items += [
        {
            "id": mark.uid,
            "url": mark.url,
            "title": _("This job is no longer open"),
            "content_text": _("This job is no longer open"),
            "date_modified": rfc3339(mark.when),
            "_amicus": {"deleted": True, "when": rfc3339(mark.when), "jobStatus": mark.status},
        }
        for mark in feed.deletions
    ]
    document["items"] = items
    # Control characters are escaped by json.dumps, so every text is safe as it is.
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
