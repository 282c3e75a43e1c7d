"""Feed discovery: the feeds an HTML page announces with <link rel="alternate" type="...">.

Reads the page with the standard library's tolerant HTML tokenizer; nothing is fetched and
nothing in the page is run. Relative addresses are resolved against the page's URL (or its
<base href>), and only http(s) URLs are returned.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

FEED_TYPES = frozenset(
    {
        "application/atom+xml",
        "application/rss+xml",
        "application/rdf+xml",
        "application/feed+json",
        "application/json",
    }
)


class _AlternateLinks(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.base_url = page_url
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: (value or "").strip() for name, value in attrs}
        if tag == "base" and values.get("href"):
            self.base_url = _join(self.base_url, values["href"]) or self.base_url
        elif tag == "link":
            rels = values.get("rel", "").lower().split()
            kind = values.get("type", "").lower().split(";", 1)[0].strip()
            if "alternate" in rels and kind in FEED_TYPES and values.get("href"):
                url = _join(self.base_url, values["href"])
                if url and url not in self.found:
                    self.found.append(url)

    handle_startendtag = handle_starttag


def _join(base: str, href: str) -> str | None:
    try:
        url = urljoin(base, href)
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return url


def looks_like_html(body: bytes, content_type: str = "") -> bool:
    if content_type.split(";", 1)[0].strip().lower() in ("text/html", "application/xhtml+xml"):
        return True
    start = body[:1024].lstrip().lower()
    return start.startswith((b"<!doctype html", b"<html"))


def discover_feeds(body: bytes, page_url: str) -> list[str]:
    """Feed URLs the page links to as alternates, in page order, without duplicates."""
    parser = _AlternateLinks(page_url)
    try:
        parser.feed(body.decode("utf-8", errors="replace"))
        parser.close()
    except (AssertionError, ValueError, OverflowError):
        # html.parser still raises these on some malformed marked sections and character
        # references; the links found before that point stand.
        pass
    return parser.found
