"""The XML feed parsers the parse stage can use, each turning bytes into a ParsedFeed.

feedparser is the robust reference; feedparser-rs offers the same result shape and is much
faster, but gives up on documents feedparser still reads in part (a truncated feed yields no
entries at all). The default, "feedparser-rs+fallback", parses with feedparser-rs and hands
any document it calls malformed, or in which it finds no entry, to feedparser, so that well-formed feeds are read fast and
broken ones as far as the reference can. The bodies are always passed as bytes or a byte
stream: both libraries fetch URLs when given a URL string, and feed content must never cause
a request.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
import feedparser_rs

from core.i18n import gettext as _
from feeds.aggregate.parsed import EntrySource, ParsedEntry, ParsedFeed
from feeds.aggregate.sanitize import clean_text, html_to_text, looks_like_html

ParserBackend = Callable[[bytes, str, str], ParsedFeed]


def _get(mapping: Any, name: str, default: Any = None) -> Any:
    """A field of a feedparser(-rs) result node; both offer dict-style get()."""
    if mapping is None:
        return default
    # feedparser's dict answers a missing `updated_parsed` with `published_parsed`; the plain
    # dict lookup takes fields as the feed gave them, so no date is invented.
    value = (
        dict.get(mapping, name, default)
        if isinstance(mapping, dict)
        else mapping.get(name, default)
    )
    return default if value is None else value


def _text(mapping: Any, name: str) -> str:
    value = _get(mapping, name, "")
    return value.strip() if isinstance(value, str) else ""


def _moment(parsed: Any) -> datetime | None:
    if not parsed:
        return None
    try:
        return datetime(*tuple(parsed)[:6], tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _absolute(base: str, href: str) -> str:
    if not href:
        return ""
    try:
        return urljoin(base, href.strip())
    except ValueError:
        return ""


def _link_with_rel(links: Iterable[Any], rel: str, base: str) -> str:
    for link in links or ():
        if _get(link, "rel", "alternate") == rel and _get(link, "href"):
            return _absolute(base, _get(link, "href"))
    return ""


def _ttl_minutes(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and 0 < int(text) < 10_000_000 else None


def _author(entry: Any) -> str:
    name = _text(_get(entry, "author_detail"), "name")
    return name or _text(entry, "author")


def _categories(entry: Any) -> list[str]:
    terms: list[str] = []
    for tag in _get(entry, "tags", []) or []:
        term = _get(tag, "term") or _get(tag, "label") or ""
        if isinstance(term, str) and term.strip() and term.strip() not in terms:
            terms.append(term.strip())
    return terms


def _content(entry: Any) -> str:
    parts = [_get(block, "value", "") for block in _get(entry, "content", []) or []]
    return "\n".join(part for part in parts if isinstance(part, str) and part.strip())


def _source(entry: Any, base: str) -> EntrySource | None:
    source = _get(entry, "source")
    if not source:
        return None
    link = _link_with_rel(_get(source, "links", []), "self", base) or _absolute(
        base, _text(source, "href") or _text(source, "link")
    )
    found = EntrySource(
        id=_text(source, "id"),
        title=_text(source, "title"),
        link=link,
        updated=_moment(_get(source, "updated_parsed")),
    )
    return found if (found.id or found.title or found.link) else None


def _plain_title(node: Any, trusted_types: bool) -> str:
    """A title as plain text. feedparser says whether a title is text or markup; feedparser-rs
    calls every title markup, so for it the string itself decides (feedparser's own rule)."""
    title = _text(node, "title")
    kind = _text(_get(node, "title_detail"), "type")
    is_markup = kind != "text/plain" if trusted_types else looks_like_html(title)
    return html_to_text(title) if is_markup else clean_text(title)


def _entry(entry: Any, base: str, feed_language: str, trusted_types: bool) -> ParsedEntry:
    detail_language = _text(_get(entry, "title_detail"), "language")
    return ParsedEntry(
        id=_text(entry, "id"),
        title=_plain_title(entry, trusted_types),
        link=_absolute(base, _text(entry, "link")),
        summary_html=_text(entry, "summary"),
        content_html=_content(entry),
        published=_moment(_get(entry, "published_parsed")),
        updated=_moment(_get(entry, "updated_parsed")),
        author=_author(entry),
        categories=_categories(entry),
        source=_source(entry, base),
        language=detail_language or feed_language,
    )


def _bozo_reason(result: Any) -> str:
    if not _get(result, "bozo", False):
        return ""
    return str(_get(result, "bozo_exception", "") or _("malformed document"))


def from_result(result: Any, url: str, parser: str, *, trusted_types: bool) -> ParsedFeed:
    """A feedparser-shaped result (feedparser or feedparser-rs) as a ParsedFeed."""
    feed = _get(result, "feed", {})
    links = _get(feed, "links", [])
    language = _text(feed, "language")
    entries = [
        _entry(entry, url, language, trusted_types) for entry in _get(result, "entries", []) or []
    ]
    parsed = ParsedFeed(
        id=_text(feed, "id"),
        updated=_moment(_get(feed, "updated_parsed")),
        title=_plain_title(feed, trusted_types),
        link=_absolute(url, _text(feed, "link")),
        self_url=_link_with_rel(links, "self", url),
        hub_url=_link_with_rel(links, "hub", url),
        next_url=_link_with_rel(links, "next", url) or _absolute(url, _text(feed, "next_url")),
        ttl_minutes=_ttl_minutes(_get(feed, "ttl")),
        language=language,
        entries=entries,
        bozo_reason=_bozo_reason(result),
        parser=parser,
    )
    parsed.is_feed = bool(_get(result, "version", "")) or bool(entries) or bool(parsed.title)
    return parsed


def _failed(parser: str, error: Exception) -> ParsedFeed:
    reason = f"{type(error).__name__}: {error}"
    return ParsedFeed(
        is_feed=False,
        parser=parser,
        bozo_reason=reason,
        problems=[_("The feed parser failed on this document (%(reason)s).") % {"reason": reason}],
    )


def parse_with_feedparser(body: bytes, url: str, content_type: str) -> ParsedFeed:
    headers: Mapping[str, str] = {"content-location": url, "content-type": content_type}
    try:
        # A byte stream, never a string: feedparser fetches anything that looks like a URL.
        result = feedparser.parse(io.BytesIO(body), response_headers=headers)
    except Exception as error:  # noqa: BLE001
        # feedparser's tolerant path still crashes on some hostile input (a character
        # reference beyond Unicode raises OverflowError); a feed must never crash its reader.
        return _failed("feedparser", error)
    return from_result(result, url, "feedparser", trusted_types=True)


def parse_with_feedparser_rs(body: bytes, url: str, content_type: str) -> ParsedFeed:
    # Bytes, never a string: feedparser-rs fetches a string that looks like a URL. Its own
    # sanitizing is off because it treats plain-text titles as markup and drops what looks
    # like a tag ("Staff & <Investigator>" became "Staff &"); feeds.aggregate.sanitize cleans
    # everything the importer stores anyway.
    try:
        result = feedparser_rs.parse(bytes(body), sanitize_html=False)
    except Exception as error:  # noqa: BLE001 (as for feedparser: a feed never crashes us)
        return _failed("feedparser-rs", error)
    return from_result(result, url, "feedparser-rs", trusted_types=False)


def parse_with_fallback(body: bytes, url: str, content_type: str) -> ParsedFeed:
    fast = parse_with_feedparser_rs(body, url, content_type)
    if fast.entries and not fast.bozo_reason:
        return fast
    careful = parse_with_feedparser(body, url, content_type)
    return careful if careful.is_feed or not fast.is_feed else fast


BACKENDS: dict[str, ParserBackend] = {
    "feedparser": parse_with_feedparser,
    "feedparser-rs": parse_with_feedparser_rs,
    "feedparser-rs+fallback": parse_with_fallback,
}
DEFAULT_BACKEND = "feedparser-rs+fallback"
