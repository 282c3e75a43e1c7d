"""The parse stage's output: a feed and its entries, independent of the parser that read them.

Titles, authors and categories are plain text (markup in them already turned into text);
summary_html and content_html are markup as the feed gave it, unsanitized. The importer
passes every string through feeds.aggregate.sanitize (clean_text, clean_html) before it is stored or
shown. Fields a feed does not carry stay empty; nothing is invented.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class EntrySource:
    """The feed an entry was first published in (Atom `<source>`, RFC 4287 §4.2.11)."""

    id: str = ""
    title: str = ""
    link: str = ""
    updated: datetime | None = None


@dataclass
class ParsedEntry:
    id: str = ""
    title: str = ""
    link: str = ""
    summary_html: str = ""
    content_html: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    author: str = ""
    categories: list[str] = field(default_factory=list)
    # When the entry is a deletion mark (Atom tombstone, RFC 6721), the time it was deleted;
    # a tombstone without a time carries `deleted_without_time`.
    deleted: datetime | None = None
    deleted_without_time: bool = False
    source: EntrySource | None = None
    # Raw schema.org JobPosting fields: from XML, each `schema:*` element by local name (its
    # text, or a dict of its children; repeated elements as a list); from JSON Feed, the
    # `_schema_org` object as given.
    schema_fields: dict[str, Any] = field(default_factory=dict)
    # The entry's structured fields read through feeds.schema_fields, the one definition of
    # the Amicus mapping: Job attribute names for a job, Organization ones for a member of a
    # directory feed. Empty for plain feeds.
    job_fields: dict[str, Any] = field(default_factory=dict)
    organization_fields: dict[str, Any] = field(default_factory=dict)
    # A machine-readable "this job is no longer open" marker (RSS `amicus:deleted`, JSON Feed
    # `_amicus.deleted`, an ended `amicus:jobStatus`), or a tombstone.
    closed: bool = False
    language: str = ""

    @property
    def is_deletion(self) -> bool:
        return self.deleted is not None or self.deleted_without_time


@dataclass
class ParsedFeed:
    # The feed's own id (Atom <id>; RSS and JSON Feed have none) and when it last changed.
    id: str = ""
    updated: datetime | None = None
    title: str = ""
    link: str = ""
    self_url: str = ""
    hub_url: str = ""
    # RFC 5005 `fh:complete`: the feed lists every current entry, so absent ones are gone.
    complete: bool = False
    next_url: str = ""
    ttl_minutes: int | None = None
    language: str = ""
    entries: list[ParsedEntry] = field(default_factory=list)
    # Everything that went wrong while reading, in plain words, for the subscription's health.
    problems: list[str] = field(default_factory=list)
    bozo_reason: str = ""
    # False when the document is not a feed at all (an HTML page, an empty body).
    is_feed: bool = True
    # Feed URLs an HTML page points to with <link rel="alternate">, when it was not a feed.
    alternates: list[str] = field(default_factory=list)
    parser: str = ""
