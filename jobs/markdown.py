"""Job descriptions: Markdown written by people or feeds, served as sanitized HTML."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

# Raw HTML is allowed through the Markdown parser so that simple inline markup in pasted
# descriptions survives; nh3 then keeps only the tags below and drops everything active.
_markdown = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s",
    "del", "code", "pre", "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr",
    "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
# Links written by posters are user-generated content: search engines should not credit them
# and the opened page gets no handle on ours.
LINK_REL = "nofollow noopener ugc"


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style", "iframe", "object", "embed", "template"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """Markdown -> HTML safe to embed in any page or feed."""
    return sanitize_html(_markdown.render(text)).strip()
