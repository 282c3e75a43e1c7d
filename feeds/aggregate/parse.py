"""The parse stage: a fetched body (bytes) becomes a ParsedFeed, whatever shape it arrives in.

One entry point, parse_feed(body, url, content_type), and its awaitable twin that runs the
CPU-bound work off the event loop. RSS and Atom go to an XML backend (see parser_backends);
JSON Feed is read here; an HTML page is reported as "not a feed" together with the feeds it
announces. The extensions Amicus federation relies on, which feed libraries drop or flatten
(schema.org fields, RFC 6721 tombstones, RFC 5005 fh:complete, Atom <source>, xml:lang), are
read by a second, safe XML pass that never loads a DTD, expands an entity or touches the
network. Nothing raises: a malformed document yields what could be read plus `problems`.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
from concurrent.futures import Executor
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from core.i18n import gettext as _
from feeds.aggregate.discovery import discover_feeds, looks_like_html
from feeds.aggregate.parse_backends import BACKENDS, DEFAULT_BACKEND
from feeds.aggregate.parsed import EntrySource, ParsedEntry, ParsedFeed
from feeds.aggregate.sanitize import clean_text, html_to_text
from feeds.schema_fields import (
    AMICUS_NS,
    job_fields_from_json,
    job_fields_from_xml,
    organization_fields_from_xml,
)

ATOM = "http://www.w3.org/2005/Atom"
RSS1 = "http://purl.org/rss/1.0/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
TOMBSTONES = "http://purl.org/atompub/tombstones/1.0"
FEED_HISTORY = "http://purl.org/syndication/history/1.0"
SCHEMA_NAMESPACES = ("https://schema.org/", "http://schema.org/")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ENTRY_TAGS = (f"{{{ATOM}}}entry", "item", f"{{{RSS1}}}item")
# Job statuses (jobs.models.JobStatus values) that mean the posting is no longer open.
CLOSED_JOB_STATUSES = frozenset({"closed", "filled", "expired", "removed", "deleted"})
# Raised by the field mapping on values it cannot convert; a remote feed must not crash us.
FIELD_ERRORS = (ValueError, TypeError, ArithmeticError, AttributeError)
JSON_CONTENT_TYPES = ("application/feed+json", "application/json")

# Byte patterns whose absence proves the extension pass would find nothing, so plain
# feeds (most of the web) are parsed once only.
_EXTENSION_MARKERS = (
    b"schema.org",
    AMICUS_NS.encode(),
    TOMBSTONES.encode(),
    FEED_HISTORY.encode(),
    b"<source",
)


# Links feedparser-rs blanks: loopback, private and link-local hosts, IPv6 literals.
_PRIVATE_LINK = re.compile(
    rb"://(?:[^/@\s\"'<>]*@)?(?:localhost|127\.|10\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.|169\.254\.|\[)",
    re.IGNORECASE,
)


def parse_feed(
    body: bytes, url: str, content_type: str = "", *, backend: str = DEFAULT_BACKEND
) -> ParsedFeed:
    """Read a fetched document; never raises for anything a remote server can send."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if not body.strip():
        return ParsedFeed(is_feed=False, problems=[_("The response was empty.")])
    first = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if first == b"{" or (media_type in JSON_CONTENT_TYPES and first != b"<"):
        return parse_json_feed(body, url)
    parsed = BACKENDS[backend](body, url, content_type)
    if not parsed.is_feed:
        return _not_a_feed(body, url, content_type, parsed)
    if parsed.bozo_reason:
        parsed.problems.append(
            _("The feed is malformed (%(reason)s); it was read as far as possible.")
            % {"reason": parsed.bozo_reason}
        )
    if any(marker in body for marker in _EXTENSION_MARKERS) or _links_missing(parsed, body):
        _add_extensions(parsed, body, url)
    return parsed


def _links_missing(parsed: ParsedFeed, body: bytes) -> bool:
    """feedparser-rs blanks every link to a loopback or private address (its own guard
    against server-side requests), which closed networks and tests rely on; the extension
    pass restores them from the document."""
    return (
        parsed.parser == "feedparser-rs"
        and (not parsed.self_url or any(not entry.link for entry in parsed.entries))
        and _PRIVATE_LINK.search(body) is not None
    )


async def parse_feed_async(
    body: bytes,
    url: str,
    content_type: str = "",
    *,
    backend: str = DEFAULT_BACKEND,
    executor: Executor | None = None,
) -> ParsedFeed:
    """parse_feed in a worker (the default thread pool, or the given executor)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        executor, _parse_for_executor, body, url, content_type, backend
    )


def _parse_for_executor(body: bytes, url: str, content_type: str, backend: str) -> ParsedFeed:
    # Module-level so that a ProcessPoolExecutor can pickle it.
    return parse_feed(body, url, content_type, backend=backend)


def _not_a_feed(body: bytes, url: str, content_type: str, parsed: ParsedFeed) -> ParsedFeed:
    result = ParsedFeed(
        is_feed=False,
        bozo_reason=parsed.bozo_reason,
        parser=parsed.parser,
        problems=list(parsed.problems),
    )
    if looks_like_html(body, content_type):
        result.alternates = discover_feeds(body, url)
        if result.alternates:
            result.problems.append(
                _("This is a web page, not a feed; it links to the feed %(url)s.")
                % {"url": result.alternates[0]}
            )
        else:
            result.problems.append(_("This is a web page, not a feed, and it links to no feed."))
    else:
        result.problems.append(_("This is not a feed (no RSS, Atom or JSON Feed found)."))
    return result


# --- the extension pass over XML --------------------------------------------------------


def _safe_xml_parser() -> etree.XMLParser:
    # A parser per call: lxml parsers must not be shared between threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=True,
        remove_comments=True,
        remove_pis=True,
    )


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _namespace(tag: Any) -> str:
    return etree.QName(tag).namespace or "" if isinstance(tag, str) else ""


def _element_text(element: Any) -> str:
    return "".join(element.itertext()).strip()


def _schema_value(element: Any) -> Any:
    children = [child for child in element if isinstance(child.tag, str)]
    if not children:
        return _element_text(element)
    value: dict[str, Any] = {}
    for child in children:
        _add_value(value, _local(child.tag), _schema_value(child))
    return value


def _add_value(target: dict[str, Any], name: str, value: Any) -> None:
    if name not in target:
        target[name] = value
    elif isinstance(target[name], list):
        target[name].append(value)
    else:
        target[name] = [target[name], value]


def _language(element: Any) -> str:
    while element is not None:
        language = element.get(XML_LANG)
        if language:
            return language.strip()
        element = element.getparent()
    return ""


def _xml_moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _atom_link(element: Any, rels: tuple[str, ...]) -> str:
    for link in element.findall(f"{{{ATOM}}}link"):
        if link.get("rel", "alternate") in rels and link.get("href"):
            return link.get("href").strip()
    return ""


def _identity(element: Any, url: str) -> tuple[str, str]:
    """(id, absolute link) of an Atom entry, RSS 2.0 item or RSS 1.0 item."""
    if element.tag == f"{{{ATOM}}}entry":
        identifier = element.findtext(f"{{{ATOM}}}id") or ""
        link = _atom_link(element, ("alternate",))
    else:
        identifier = element.findtext("guid") or element.get(f"{{{RDF}}}about") or ""
        link = element.findtext("link") or element.findtext(f"{{{RSS1}}}link") or ""
    return identifier.strip(), (_join(url, link.strip()) if link.strip() else "")


def _join(base: str, href: str) -> str:
    try:
        return urljoin(base, href)
    except ValueError:
        return ""


def _entry_source(element: Any, url: str) -> EntrySource | None:
    source = element.find(f"{{{ATOM}}}source")
    if source is None:
        return None
    link = _atom_link(source, ("self",)) or _atom_link(source, ("alternate",))
    return EntrySource(
        id=(source.findtext(f"{{{ATOM}}}id") or "").strip(),
        title=_element_text(source.find(f"{{{ATOM}}}title"))
        if source.find(f"{{{ATOM}}}title") is not None
        else "",
        link=_join(url, link) if link else "",
        updated=_xml_moment(source.findtext(f"{{{ATOM}}}updated")),
    )


def _is_closed_status(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower() in CLOSED_JOB_STATUSES


def _mapped_fields(entry: ParsedEntry, read: Any, source: Any) -> dict[str, Any]:
    try:
        return read(source)
    except FIELD_ERRORS as error:
        entry_name = entry.id or entry.link or _("without an id")
        raise _FieldProblem(
            _("The structured fields of entry %(entry)s could not be read (%(reason)s).")
            % {"entry": entry_name, "reason": error}
        ) from None


class _FieldProblem(Exception):
    pass


def _add_extensions(parsed: ParsedFeed, body: bytes, url: str) -> None:
    try:
        root = etree.fromstring(body, _safe_xml_parser())
    except (etree.XMLSyntaxError, ValueError) as error:
        parsed.problems.append(
            _("Extension elements could not be read (%(reason)s).") % {"reason": error}
        )
        return
    if root is None:
        return
    parsed.complete = any(True for _ in root.iter(f"{{{FEED_HISTORY}}}complete"))
    _fill_feed_links(parsed, root, url)
    by_id: dict[str, Any] = {}
    by_link: dict[str, Any] = {}
    for element in root.iter(*ENTRY_TAGS):
        identifier, link = _identity(element, url)
        if identifier:
            by_id.setdefault(identifier, element)
        if link:
            by_link.setdefault(link, element)
    for entry in parsed.entries:
        element = by_id.get(entry.id) if entry.id else None
        if element is None and entry.link:
            element = by_link.get(entry.link)
        if element is not None:
            entry.link = entry.link or _identity(element, url)[1]
            try:
                _enrich(entry, element, url)
            except _FieldProblem as problem:
                parsed.problems.append(str(problem))
    parsed.entries.extend(_tombstones(root))


def _fill_feed_links(parsed: ParsedFeed, root: Any, url: str) -> None:
    """Feed-level links the backend left empty, from the Atom feed or RSS channel."""
    channel = root.find("channel")
    holder = channel if channel is not None else root
    found = {
        "alternate": _atom_link(holder, ("alternate",)) or (holder.findtext("link") or "").strip(),
        "self": _atom_link(holder, ("self",)),
        "hub": _atom_link(holder, ("hub",)),
        "next": _atom_link(holder, ("next",)),
    }
    absolute = {rel: _join(url, href) if href else "" for rel, href in found.items()}
    parsed.link = parsed.link or absolute["alternate"]
    parsed.self_url = parsed.self_url or absolute["self"]
    parsed.hub_url = parsed.hub_url or absolute["hub"]
    parsed.next_url = parsed.next_url or absolute["next"]


def _enrich(entry: ParsedEntry, element: Any, url: str) -> None:
    fields: dict[str, Any] = {}
    for child in element:
        if isinstance(child.tag, str) and _namespace(child.tag) in SCHEMA_NAMESPACES:
            _add_value(fields, _local(child.tag), _schema_value(child))
    entry.schema_fields = fields
    title = element.find(f"{{{ATOM}}}title")
    if title is not None:
        entry.title = _atom_plain_text(title)
    entry.source = _entry_source(element, url) or entry.source
    entry.language = _language(element) or entry.language
    entry.job_fields = _mapped_fields(entry, job_fields_from_xml, element)
    entry.organization_fields = _mapped_fields(entry, organization_fields_from_xml, element)
    entry.closed = _is_closed_status(entry.job_fields.get("status"))
    # An RSS deletion mark: <amicus:deleted when="...">status</amicus:deleted>.
    deletion = element.find(f"{{{AMICUS_NS}}}deleted")
    if deletion is not None:
        _mark_deleted(entry, deletion)


def _atom_plain_text(element: Any) -> str:
    """An Atom text construct (RFC 4287 §3.1) as plain text, by its declared type."""
    text = "".join(element.itertext())
    return html_to_text(text) if element.get("type") == "html" else clean_text(text)


def _mark_deleted(entry: ParsedEntry, mark: Any) -> None:
    entry.deleted = _xml_moment(mark.get("when"))
    entry.deleted_without_time = entry.deleted is None
    entry.closed = True
    # The status is the text of amicus:deleted, or an amicus:jobStatus child of a tombstone.
    status = (mark.findtext(f"{{{AMICUS_NS}}}jobStatus") or mark.text or "").strip()
    if status:
        entry.job_fields = {**entry.job_fields, "status": status}


def _tombstones(root: Any) -> list[ParsedEntry]:
    found = []
    for mark in root.iter(f"{{{TOMBSTONES}}}deleted-entry"):
        reference = (mark.get("ref") or "").strip()
        if not reference:
            continue
        link = mark.find(f"{{{TOMBSTONES}}}link")
        entry = ParsedEntry(
            id=reference, link=(link.get("href") or "").strip() if link is not None else ""
        )
        _mark_deleted(entry, mark)
        found.append(entry)
    return found


# --- JSON Feed ----------------------------------------------------------------------------


def _json_text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _json_author(item: dict[str, Any], feed: dict[str, Any]) -> str:
    for holder in (item, feed):
        authors = holder.get("authors")
        if isinstance(authors, list):
            names = [_json_text(a.get("name")) for a in authors if isinstance(a, dict)]
            if any(names):
                return ", ".join(name for name in names if name)
        author = holder.get("author")
        if isinstance(author, dict) and _json_text(author.get("name")):
            return _json_text(author.get("name"))
    return ""


def _json_item(item: dict[str, Any], feed: dict[str, Any], url: str) -> ParsedEntry:
    content_html = _json_text(item.get("content_html"))
    if not content_html and _json_text(item.get("content_text")):
        content_html = f"<p>{html.escape(_json_text(item.get('content_text')))}</p>"
    schema = item.get("_schema_org")
    schema = schema if isinstance(schema, dict) else {}
    link = _json_text(item.get("url")) or _json_text(item.get("external_url"))
    tags = item.get("tags")
    amicus = item.get("_amicus") if isinstance(item.get("_amicus"), dict) else {}
    deleted = amicus.get("deleted") is True
    deleted_at = _xml_moment(_json_text(amicus.get("when"))) if deleted else None
    entry = ParsedEntry(
        id=_json_text(item.get("id")),
        title=_json_text(item.get("title")),
        link=_join(url, link) if link else "",
        summary_html=html.escape(_json_text(item.get("summary"))),
        content_html=content_html,
        published=_xml_moment(_json_text(item.get("date_published"))),
        updated=_xml_moment(_json_text(item.get("date_modified"))),
        author=_json_author(item, feed),
        categories=[_json_text(tag) for tag in tags if _json_text(tag)]
        if isinstance(tags, list)
        else [],
        deleted=deleted_at,
        deleted_without_time=deleted and deleted_at is None,
        schema_fields=schema,
        language=_json_text(item.get("language")) or _json_text(feed.get("language")),
    )
    entry.job_fields = _mapped_fields(entry, job_fields_from_json, item)
    entry.source = _json_source(amicus.get("source"), url)
    entry.closed = deleted or _is_closed_status(entry.job_fields.get("status"))
    return entry


def _json_source(source: Any, url: str) -> EntrySource | None:
    """The feed a re-published item first appeared in, as json_feed writes it under _amicus
    (JSON Feed has no element of its own for it)."""
    if not isinstance(source, dict):
        return None
    link = _json_text(source.get("url"))
    found = EntrySource(
        id=_json_text(source.get("id")),
        title=_json_text(source.get("title")),
        link=_join(url, link) if link else "",
        updated=_xml_moment(_json_text(source.get("updated"))),
    )
    return found if (found.id or found.link) else None


def _json_hub(feed: dict[str, Any]) -> str:
    hubs = feed.get("hubs")
    for hub in hubs if isinstance(hubs, list) else []:
        if isinstance(hub, dict) and _json_text(hub.get("type")).lower() == "websub":
            return _json_text(hub.get("url"))
    return ""


def parse_json_feed(body: bytes, url: str) -> ParsedFeed:
    """JSON Feed 1.0 / 1.1 (https://jsonfeed.org/version/1.1), with Amicus's item extensions."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as error:
        return ParsedFeed(
            is_feed=False,
            parser="json",
            bozo_reason=str(error),
            problems=[_("The JSON document could not be read (%(reason)s).") % {"reason": error}],
        )
    version = _json_text(document.get("version")) if isinstance(document, dict) else ""
    if not version.startswith("https://jsonfeed.org/version/"):
        return ParsedFeed(
            is_feed=False, parser="json", problems=[_("This JSON document is not a JSON Feed.")]
        )
    parsed = ParsedFeed(
        title=_json_text(document.get("title")),
        link=_json_text(document.get("home_page_url")),
        self_url=_json_text(document.get("feed_url")),
        hub_url=_json_hub(document),
        next_url=_json_text(document.get("next_url")),
        language=_json_text(document.get("language")),
        parser="json",
    )
    amicus = document.get("_amicus")
    parsed.complete = isinstance(amicus, dict) and amicus.get("complete") is True
    if isinstance(amicus, dict):
        parsed.updated = _xml_moment(_json_text(amicus.get("updated")))
    items = document.get("items")
    if not isinstance(items, list):
        parsed.problems.append(_("The JSON Feed has no list of items."))
        return parsed
    for item in items:
        if not isinstance(item, dict):
            parsed.problems.append(_("An item of the JSON Feed is not an object; it was skipped."))
            continue
        try:
            parsed.entries.append(_json_item(item, document, url))
        except _FieldProblem as problem:
            parsed.problems.append(str(problem))
    return parsed
