"""What to try when a search finds nothing: the same search with one filter left out, or
without its rarest word, each with the number of jobs it would find."""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields, replace
from datetime import UTC, datetime

from tortoise import connections

from core.search_terms import typed_groups
from jobs.search import fulltext
from jobs.search.engine import index_filters
from jobs.search.params import DEFAULT_JOB_DAYS, JobQuery

# The JobQuery fields that are filters (the rest say what to find and how to show it).
FILTERS = tuple(
    item.name for item in fields(JobQuery) if item.name not in ("text", "sort", "page", "per_page")
)
_DEFAULTS = {item.name: item.default for item in fields(JobQuery) if item.default is not MISSING}


@dataclass(frozen=True)
class Suggestion:
    query: JobQuery
    count: int
    # What was left out: a filter's name, or the words typed for the rarest group.
    dropped_filter: str = ""
    dropped_words: str = ""


async def suggestions(
    query: JobQuery, *, now: datetime | None = None, default_days: int = DEFAULT_JOB_DAYS
) -> list[Suggestion]:
    """The searches one step broader than the query that find something, most jobs first:
    without the rarest word (the one fewest visible jobs hold), then without each filter in
    turn."""
    now = now or datetime.now(UTC)
    index = await fulltext.current_index(connections.get("default"))
    searcher = index.searcher()

    def count(some: JobQuery) -> int:
        if some.text and not some.groups:
            return 0  # only punctuation: search_jobs finds nothing for it
        filters = index_filters(some, now, default_days)
        return fulltext.count(searcher, fulltext.text_and_filters(some.groups, filters))

    found: list[Suggestion] = []
    typed = typed_groups(query.text)
    if typed:
        # Rarest among the visible jobs: under the query's filters every word may find none.
        visible = index_filters(JobQuery(), now, default_days)
        rarest = min(
            range(len(typed)),
            key=lambda n: fulltext.count(
                searcher, fulltext.text_and_filters([typed[n][1]], visible)
            ),
        )
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
