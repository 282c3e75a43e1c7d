"""Job descriptions: the one HTML policy for them, whether written here in Markdown or
imported as HTML from another feed, and the text of that markup for search.

Both paths end in sanitize_html, so a description keeps the same structure (headings,
tables, rules, strike-through, titled links) when another instance imports it.
"""

from __future__ import annotations

import html
from functools import lru_cache
from typing import Literal

import nh3
from markdown_it import MarkdownIt

# Raw HTML is allowed through the Markdown parser so that simple inline markup in pasted
# descriptions survives; nh3 then keeps only the tags below and drops everything active.
_markdown = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u",
        "s", "del", "code", "pre", "blockquote", "ul", "ol", "li", "a", "table", "thead",
        "tbody", "tr", "th", "td",
    }
)  # fmt: skip
# "*" lists the attributes allowed on every tag: none (nh3 would allow title and lang).
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "title"}),
    "ol": frozenset({"start"}),
    "*": frozenset(),
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Removed with their content, not just unwrapped: their text is not description text.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "template"})
# Links written by posters are user-generated content: search engines should not credit them
# and the opened page gets no handle on ours.
LINK_REL = "nofollow noopener ugc"

# How relative links are treated: kept (our own Markdown, whose links are ours), dropped,
# or made absolute against the address the markup came from.
RelativeLinks = Literal["pass_through", "deny"] | tuple[Literal["rewrite_with_base"], str]


@lru_cache(maxsize=64)
def _cleaner(relative: RelativeLinks) -> nh3.Cleaner:
    # Built once per way of treating relative links (a feed's base among them): nh3.clean
    # builds its policy from these sets on every call, which tripled a short text's cost.
    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
        url_relative=relative,
    )


def sanitize_html(markup: str, relative: RelativeLinks = "pass_through") -> str:
    """Any description markup reduced to the allowed tags, attributes and URL schemes."""
    return _cleaner(relative).clean(markup).strip()


def render_markdown(text: str) -> str:
    """Markdown -> HTML safe to embed in any page or feed."""
    return sanitize_html(_markdown.render(text))


def markup_text(markup: str) -> str:
    """The words of a piece of markup, for search and for text that arrived as HTML: tags
    removed (script and style with their content), entities decoded."""
    # A space before every tag keeps "</p><p>" from gluing the last and first words together.
    return html.unescape(nh3.clean(markup.replace("<", " <"), tags=set(), strip_comments=True))
