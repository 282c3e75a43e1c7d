"""Imported text made safe, whatever the parser did: the importer runs every string through here.

Feed content is data from strangers. Parsers sanitize too, but how well depends on the
backend and its version, so nothing is trusted until it has passed one of these two
functions: clean_html for the few fields that carry markup (a job description), clean_text
for everything else (html_to_text first for text that arrives as markup).
"""

from __future__ import annotations

import html
import re

import nh3

from jobs.markdown import markup_text, sanitize_html

# Characters XML 1.0 forbids or that no text needs: C0 controls but tab, newline and
# carriage return; DEL; lone surrogates; the non-characters U+FFFE and U+FFFF.
_ILLEGAL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_WHITESPACE = re.compile(r"\s+")


def strip_illegal_characters(text: str) -> str:
    return _ILLEGAL_CHARACTERS.sub("", text)


# A link attribute whose value does not open with a scheme: relative, or written in a way
# this cannot tell (an entity, a space); either way made absolute by the entry's base.
# Matched on the lowercased markup: with re.IGNORECASE the search took four times as long.
_MAYBE_RELATIVE_LINK = re.compile(r"""(?:href|src)\s*=\s*(?!["']?[a-z][a-z0-9+.-]*:)""")


def clean_html(text: str, *, base_url: str = "") -> str:
    """Markup reduced by the job description policy (jobs.markdown.sanitize_html).

    Relative links are made absolute against `base_url` (the entry's or feed's address), or
    dropped when there is none or it is unusable: on our pages they would point into our site.
    """
    text = strip_illegal_characters(text)
    # Each entry has its own base, and the policy is built anew for each base: markup whose
    # links are all absolute (most) is cleaned by the one policy that drops relative links,
    # which leaves it as the base would have.
    if base_url and _MAYBE_RELATIVE_LINK.search(text.lower()):
        try:
            return sanitize_html(text, ("rewrite_with_base", base_url))
        except ValueError:  # nh3 refuses a base that is not an absolute URL
            pass
    return sanitize_html(text, "deny")


# A tag as clean_html writes it: attribute values in double quotes, where an older serializer
# may have left a ">" unescaped.
_CLEAN_TAG = re.compile(r'<(?:[^>"]|"[^"]*")*>')


def clean_html_text(cleaned: str) -> str:
    """markup_text for markup clean_html returned, without a parser (the importer's hot path;
    a test holds the two to the same search terms).

    Only for clean_html's output: its tags are well formed, its text escapes "<", ">" and
    "&", and it holds no comment, script or style, so removing the tags needs no parser."""
    return html.unescape(_CLEAN_TAG.sub(" ", cleaned))


def clean_text(text: str) -> str:
    """Plain text made safe to store: illegal characters removed, runs of whitespace collapsed.

    Plain text is never markup: "<Investigator>" in a title is text and stays, to be
    escaped wherever it is shown. For markup use html_to_text."""
    return _WHITESPACE.sub(" ", strip_illegal_characters(text)).strip()


def html_to_text(markup: str) -> str:
    """The text of a piece of markup (jobs.markdown.markup_text), cleaned as plain text."""
    return clean_text(markup_text(strip_illegal_characters(markup)))


_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)")


def looks_like_html(text: str) -> bool:
    """Whether a string of unknown kind is markup: it has a closing tag or an entity, and
    every tag in it is a known HTML element (feedparser's rule for ambiguous RSS text)."""
    if not (re.search(r"</\w+>", text) or re.search(r"&#?\w+;", text)):
        return False
    return all(name.lower() in nh3.ALLOWED_TAGS for name in _TAG_NAME.findall(text))
