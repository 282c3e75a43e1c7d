"""A short plain-text snippet of a job's description for result lists, around the first word
a search matched when there is one.

Made from the row already loaded (no query, no index read): the search index stores terms,
not text, and the description is on the row."""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.search_terms import search_terms
from jobs.markdown import markup_text
from jobs.models import Job

SNIPPET_LENGTH = 160
# How far into the text a matching word is looked for: the snippet is a taste of the job,
# and scanning a long description word by word would cost every result row.
MATCH_SEARCH_LENGTH = 1000
# Markup read for that text: the rest of a long description is never shown.
MARKUP_READ_LENGTH = 3 * MATCH_SEARCH_LENGTH
# Words kept before the matching one, so that it is read in its sentence.
LEAD_IN = 40
ELLIPSIS = "…"
_WORD = re.compile(r"\S+")
# The words core.search_terms makes one term each of, outside CJK text.
_TERM_WORD = re.compile(r"[^\W_]+")
_SPACE = re.compile(r"\s+")


def description_text(job: Job, limit: int | None = None) -> str:
    """The description as plain text on one line: no markup, runs of space collapsed; with
    limit, only about the first limit characters of markup are read (a tag or entity cut at
    that end is dropped or kept as text, far past anything a snippet shows)."""
    markup = job.description_html
    if not markup:
        text = job.description_markdown
    else:
        text = markup_text(markup[:limit] if limit else markup)
    return _SPACE.sub(" ", text).strip()


def _first_match(text: str, terms: set[str]) -> int | None:
    """Where the first word holding one of the terms starts in text, if in its first part."""
    window = text[:MATCH_SEARCH_LENGTH]
    found = search_terms(window)
    # One pass over the whole window answers "no match" (the usual case for a job found by
    # its title) and, when its words and terms pair up one to one, where the match is.
    index = next((number for number, term in enumerate(found) if term in terms), None)
    if index is None:
        return None
    words = list(_TERM_WORD.finditer(window))
    if len(words) == len(found):
        return words[index].start()
    # Not one term per word (CJK pairs, an overlong word): look word by word.
    for word in _WORD.finditer(window):
        if terms.intersection(search_terms(word.group())):
            return word.start()
    return None


def _cut(text: str, length: int) -> str:
    """At most length characters ending at a word, unless a word is longer than half of it
    (text without spaces, as Japanese is written, is cut where it reaches the length)."""
    if len(text) <= length:
        return text
    cut = text.rfind(" ", 0, length + 1)
    return text[: cut if cut > length // 2 else length].rstrip()


def snippet(job: Job, terms: Sequence[str] = (), length: int = SNIPPET_LENGTH) -> str:
    """About length characters of the description, cut at words, with an ellipsis where text
    is left out; starting shortly before the first word matching one of terms (a search's
    terms, core.search_terms) when that word is not already in the opening."""
    text = description_text(job, limit=MARKUP_READ_LENGTH)
    start = _first_match(text, set(terms)) if terms else None
    prefix = ""
    if start is not None and start > length - LEAD_IN:
        space = text.find(" ", start - LEAD_IN, start)
        start = space + 1 if space != -1 else start
        prefix = ELLIPSIS
        text = text[start:]
    shown = _cut(text, length - len(prefix))
    return prefix + shown + (ELLIPSIS if len(shown) < len(text) else "")
