"""Imported text made safe, whatever the parser did: the importer runs every string through here.

Feed content is data from strangers. Parsers sanitize too, but how well depends on the
backend and its version, so nothing is trusted until it has passed one of these two
functions: clean_html for the few fields that carry markup (a job description), clean_text
for everything else.
"""

from __future__ import annotations

import html
import re

import nh3

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "ul",
        "ol",
        "li",
        "strong",
        "em",
        "b",
        "i",
        "a",
        "h2",
        "h3",
        "h4",
        "blockquote",
        "code",
        "pre",
    }
)
# "*" lists the attributes allowed on every tag; none are (nh3 would allow title and lang).
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href"}, "*": set()}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener ugc"

# Characters XML 1.0 forbids or that no text needs: C0 controls but tab, newline and
# carriage return; DEL; lone surrogates; the non-characters U+FFFE and U+FFFF.
_ILLEGAL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_WHITESPACE = re.compile(r"\s+")


def strip_illegal_characters(text: str) -> str:
    return _ILLEGAL_CHARACTERS.sub("", text)


def clean_html(text: str, *, base_url: str = "") -> str:
    """Markup reduced to what a job description needs; links only to http(s) and mailto.

    Relative links are made absolute against `base_url` (the entry's or feed's address), or
    dropped when there is none or it is unusable: on our pages they would point into our site.
    """
    text = strip_illegal_characters(text)
    if base_url:
        try:
            return _clean_markup(text, ("rewrite_with_base", base_url))
        except ValueError:  # nh3 refuses a base that is not an absolute URL
            pass
    return _clean_markup(text, "deny")


def _clean_markup(text: str, relative: str | tuple[str, str]) -> str:
    return nh3.clean(
        text,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
        url_relative=relative,
    ).strip()


def clean_text(text: str) -> str:
    """Plain text: tags removed (script and style with their content), entities decoded,
    illegal characters removed, runs of whitespace collapsed to one space."""
    without_tags = nh3.clean(strip_illegal_characters(text), tags=set(), strip_comments=True)
    decoded = strip_illegal_characters(html.unescape(without_tags))
    return _WHITESPACE.sub(" ", decoded).strip()
