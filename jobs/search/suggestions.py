"""What to try when a search finds nothing: the same search with its misspelled words
corrected, with one filter left out, or without its rarest word, each with the number of jobs
it would find."""

from __future__ import annotations

from collections import Counter
from dataclasses import MISSING, dataclass, fields, replace
from datetime import UTC, datetime

import tantivy
from tortoise import connections

from core.search_terms import term_forms, typed_groups
from jobs.models import Job
from jobs.search import fulltext
from jobs.search.engine import index_filters
from jobs.search.params import DEFAULT_JOB_DAYS, JobQuery

# The JobQuery fields that are filters (the rest say what to find and how to show it).
FILTERS = tuple(
    item.name for item in fields(JobQuery) if item.name not in ("text", "sort", "page", "per_page")
)
_DEFAULTS = {item.name: item.default for item in fields(JobQuery) if item.default is not MISSING}


# Spelling: a word no visible job holds is looked for within this many edits, among the words
# of the jobs that hold a term that close (the best matches, this many of them).
SPELLING_EDITS = 2
SPELLING_SAMPLE = 20


@dataclass(frozen=True)
class Suggestion:
    query: JobQuery
    count: int
    # What changed: a filter's name left out, the words typed for the rarest group left out,
    # or misspelled words corrected (the query's text then is the corrected search).
    dropped_filter: str = ""
    dropped_words: str = ""
    corrected: bool = False


def _edits(first: str, second: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions)."""
    previous = list(range(len(second) + 1))
    for row, left in enumerate(first, 1):
        current = [row]
        for column, right in enumerate(second, 1):
            current.append(
                min(previous[column] + 1, current[-1] + 1, previous[column - 1] + (left != right))
            )
        previous = current
    return previous[-1]


async def _correction(
    searcher: tantivy.Searcher, word: str, visible: list[fulltext.Clause]
) -> str | None:
    """The indexed word closest to a word no visible job holds (the most frequent among the
    closest), read from the stored terms of the jobs holding a term within SPELLING_EDITS."""
    close = [
        (
            tantivy.Occur.Should,
            tantivy.Query.fuzzy_term_query(fulltext.SCHEMA, field, form, SPELLING_EDITS),
        )
        for form in term_forms(word)
        for field in ("title", "body")
    ]
    query = tantivy.Query.boolean_query(
        [
            *visible,
            (tantivy.Occur.Must, tantivy.Query.boolean_query(close)),
        ]
    )
    ids, _ = fulltext.ordered_ids(searcher, query, "relevance", 0, SPELLING_SAMPLE)
    if not ids:
        return None
    words: Counter[str] = Counter()
    for title, body in await Job.filter(id__in=ids).values_list("search_title", "search_body"):
        words.update(f"{title} {body}".split())
    candidates = [
        (_edits(word, candidate), -seen, candidate)
        for candidate, seen in words.items()
        if candidate != word and abs(len(candidate) - len(word)) <= SPELLING_EDITS
    ]
    best = min(candidates, default=None)
    return best[2] if best is not None and best[0] <= SPELLING_EDITS else None


async def suggestions(
    query: JobQuery,
    *,
    indexes: fulltext.SearchIndexes,
    now: datetime | None = None,
    default_days: int = DEFAULT_JOB_DAYS,
) -> list[Suggestion]:
    """The searches one step broader than the query that find something, most jobs first:
    without the rarest word (the one fewest visible jobs hold), then without each filter in
    turn."""
    now = now or datetime.now(UTC)
    index = await indexes.current_index(connections.get("default"))
    searcher = index.searcher()

    def count(some: JobQuery) -> int:
        if some.text and not some.groups:
            return 0  # only punctuation: search_jobs finds nothing for it
        filters = index_filters(some, now, default_days)
        return fulltext.count(searcher, fulltext.text_and_filters(some.groups, filters))

    found: list[Suggestion] = []
    typed = typed_groups(query.text)
    visible = index_filters(JobQuery(), now, default_days)
    held = [
        fulltext.count(searcher, fulltext.text_and_filters([group], visible)) for _, group in typed
    ]
    # Words of one term that no visible job holds may be misspelled.
    spelled = []
    for (words, group), holders in zip(typed, held, strict=True):
        correction = None
        if not holders and len(group) == 1 and len(group[0]) == 1:
            correction = await _correction(searcher, group[0][0], visible)
        spelled.append(correction or words)
    if spelled != [words for words, _ in typed]:
        corrected = replace(query, text=" ".join(spelled), page=1)
        found.append(Suggestion(corrected, count(corrected), corrected=True))
    if typed:
        # Rarest among the visible jobs: under the query's filters every word may find none.
        rarest = min(range(len(typed)), key=held.__getitem__)
        text = " ".join(words for n, (words, _) in enumerate(typed) if n != rarest)
        broader = replace(query, text=text, page=1)
        found.append(Suggestion(broader, count(broader), dropped_words=typed[rarest][0]))
    by_filter = []
    for name in FILTERS:
        if getattr(query, name) != _DEFAULTS[name]:
            broader = replace(query, **{name: _DEFAULTS[name]}, page=1)
            by_filter.append(Suggestion(broader, count(broader), dropped_filter=name))
    found.extend(sorted(by_filter, key=lambda suggestion: -suggestion.count))
    return [suggestion for suggestion in found if suggestion.count]
