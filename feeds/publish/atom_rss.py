"""Job feeds as Atom 1.0 (RFC 4287) and RSS 2.0, written with feedgen.

feedgen writes the standard elements; one feedgen extension adds what it does not know:
schema.org job fields (feeds.schema_fields), the WebSub hub link, RFC 5005 paging or
`fh:complete`, RFC 6721 deletion marks (RSS: an item with `amicus:deleted`) and the Atom
`<source>` of re-published entries. Every date comes from the data (feedgen would otherwise
use the clock), so the same data gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from email.utils import format_datetime

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from core.i18n import gettext as _
from core.urls import Urls
from core.version import VERSION
from feeds.publish.job_feed import MEDIA_TYPES, DeletionMark, FeedJob, JobFeed
from feeds.schema_fields import (
    AMICUS_NS,
    HISTORY_NS,
    NAMESPACES,
    TOMBSTONES_NS,
    append_job_fields,
    rfc3339,
    xml_text,
)
from jobs.models import job_page_url

ATOM_NS = "http://www.w3.org/2005/Atom"
# RSS 2.0's <author> must be an e-mail address, which an organization's feed does not give;
# Dublin Core's creator is the name readers (feedparser, newsboat, Thunderbird) show instead.
DC_NS = "http://purl.org/dc/elements/1.1/"
EXTENSION = "amicus"
GENERATOR_URI = "https://github.com/amicus-network/amicus"


def _atom(name: str) -> str:
    return f"{{{ATOM_NS}}}{name}"


class _FeedExtension(BaseExtension):
    """Feed-level additions; `feed` and `format` are set before rendering."""

    feed: JobFeed
    format: str

    def extend_ns(self) -> dict[str, str]:
        return {**NAMESPACES, "at": TOMBSTONES_NS, "fh": HISTORY_NS, "dc": DC_NS}

    def _links(self) -> dict[str, str]:
        return {"hub": self.feed.hub_url, **self.feed.paging_links(self.format)}

    def extend_atom(self, feed: etree._Element) -> etree._Element:
        # feedgen writes Atom elements unqualified under the default namespace; so do we.
        for rel, href in self._links().items():
            etree.SubElement(feed, "link", rel=rel, href=href)
        if self.feed.complete:
            etree.SubElement(feed, f"{{{HISTORY_NS}}}complete")
        for mark in self.feed.deletions:
            deleted = etree.SubElement(
                feed, f"{{{TOMBSTONES_NS}}}deleted-entry", ref=mark.uid, when=rfc3339(mark.when)
            )
            # RFC 6721 3: an atom:link to where the entry was.
            etree.SubElement(deleted, "link", rel="alternate", href=mark.url)
            etree.SubElement(deleted, f"{{{AMICUS_NS}}}jobStatus").text = mark.status
        return feed

    def extend_rss(self, feed: etree._Element) -> etree._Element:
        channel = feed.find("channel")
        for rel, href in self._links().items():
            etree.SubElement(channel, _atom("link"), rel=rel, href=href)
        if self.feed.complete:
            etree.SubElement(channel, f"{{{HISTORY_NS}}}complete")
        for mark in self.feed.deletions:
            channel.append(_rss_deletion_item(mark))
        return feed


def _rss_deletion_item(mark: DeletionMark) -> etree._Element:
    item = etree.Element("item")
    etree.SubElement(item, "title").text = _("This job is no longer open")
    etree.SubElement(item, "link").text = mark.url
    etree.SubElement(item, "guid", isPermaLink="false").text = mark.uid
    # Plain readers date items by pubDate alone: the mark is dated when the job ended.
    etree.SubElement(item, "pubDate").text = format_datetime(mark.when.astimezone(UTC), usegmt=True)
    deleted = etree.SubElement(item, f"{{{AMICUS_NS}}}deleted", when=rfc3339(mark.when))
    deleted.text = mark.status
    return item


class EntryElements(BaseEntryExtension):
    """Adds elements to one entry/item: `append(element, format)` is set per entry."""

    append: Callable[[etree._Element, str], None]

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        # feedgen writes an entry's links with their href only, dropping rel and type; the one
        # link add_entry's callers give it is the entry's HTML page, so name it as that.
        for link in entry.findall("link"):
            if "rel" not in link.attrib:
                link.attrib.update({"rel": "alternate", "type": "text/html"})
        self.append(entry, "atom")
        return entry

    def extend_rss(self, entry: etree._Element) -> etree._Element:
        self.append(entry, "rss")
        return entry


def _job_elements(job: FeedJob, urls: Urls) -> Callable[[etree._Element, str], None]:
    def append(entry: etree._Element, format_: str) -> None:
        append_job_fields(entry, job, urls)
        if format_ == "rss":
            etree.SubElement(entry, f"{{{DC_NS}}}creator").text = xml_text(job.organization.name)
        if not job.is_imported:
            return
        # The feed the job first appeared in, as its origin described it; a copy imported
        # before those were kept names the feed it was read from.
        feed_url = xml_text(job.source_link or job.source_feed_url)
        name = xml_text(job.source_title or job.source_name or feed_url)
        if format_ == "rss":
            etree.SubElement(entry, "source", url=feed_url).text = name
            return
        # RFC 4287 4.2.11: a copied entry keeps the metadata of the feed it came from.
        source = etree.SubElement(entry, "source")
        etree.SubElement(source, "id").text = xml_text(job.source_id) or feed_url
        etree.SubElement(source, "title").text = name
        if job.source_updated_at is not None:
            etree.SubElement(source, "updated").text = rfc3339(job.source_updated_at)
        etree.SubElement(source, "link", rel="self", href=feed_url)

    return append


def add_entry(generator: FeedGenerator, append: Callable[[etree._Element, str], None]):
    """A new entry at the end of the feed whose extra elements `append` writes.

    Give the entry one link through feedgen, its alternate HTML page (feedgen needs it, and
    RSS takes it as the item's <link>); `append` writes any other link with its rel itself.
    """
    entry = generator.add_entry(order="append")
    getattr(entry, EXTENSION).append = append
    return entry


def entry_link(job: FeedJob, urls: Urls) -> str:
    """Where a person reads the job: its origin for a re-published job, else its page here."""
    return job.origin_url or job_page_url(urls, job.slug)


def _generator(feed: JobFeed, format_: str, publisher: str) -> FeedGenerator:
    generator = FeedGenerator()
    generator.register_extension(EXTENSION, _FeedExtension, EntryElements)
    extension: _FeedExtension = getattr(generator, EXTENSION)
    extension.feed = feed
    extension.format = format_
    generator.id(feed.feed_id)
    generator.title(xml_text(feed.title))
    generator.description(
        _("Open jobs, newest first; jobs that ended in the last 30 days appear as deletion marks.")
    )
    generator.author({"name": xml_text(publisher)})
    generator.link(href=feed.self_url(format_), rel="self", type=MEDIA_TYPES[format_])
    # Last: feedgen makes the last link RSS's channel <link>, which is the page mirrored.
    generator.link(href=feed.html_url, rel="alternate", type="text/html")
    generator.updated(feed.updated)
    generator.generator("Amicus", version=VERSION, uri=GENERATOR_URI)
    for job in feed.jobs:
        entry = add_entry(generator, _job_elements(job, feed.urls))
        entry.id(job.uid)
        entry.guid(job.uid, permalink=False)
        entry.title(xml_text(job.title))
        entry.link(href=entry_link(job, feed.urls), rel="alternate", type="text/html")
        if job.description_html:  # an empty <content/> says nothing (RFC 4287 §4.1.3)
            entry.content(xml_text(job.description_html), type="html")
        entry.author({"name": xml_text(job.organization.name)})
        entry.updated(job.republished_updated)
        if job.posted_at is not None:
            entry.published(job.posted_at)
    return generator


def render_atom(feed: JobFeed, publisher: str) -> bytes:
    return _generator(feed, "atom", publisher).atom_str(pretty=True)


def render_rss(feed: JobFeed, publisher: str) -> bytes:
    return _generator(feed, "rss", publisher).rss_str(pretty=True)
