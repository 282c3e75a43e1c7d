"""Pages of a counted list: which page, how many per page, how many pages, what comes next.

The directory, job search and the complete job feed number their pages by these rules. A
page past the last is not an empty page but an address that does not exist: callers answer
404 when is_past_last (page 1 of nothing is a page, and says so). Pages people read link
their neighbours through page_links (first, previous, nearby numbers, next, last), shown by
the `page_navigation` macro of core/templates/macros.html.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from core.i18n import gettext as _

T = TypeVar("T")
# Page numbers linked on each side of the current one ("4 5 [6] 7 8").
NEARBY_PAGES = 2


class Paginated:
    """The page arithmetic, for any object with page (1-based), per_page and total."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def is_past_last(self) -> bool:
        return self.page > self.pages

    def nearby_pages(self, around: int = NEARBY_PAGES, last: int | None = None) -> range:
        """The page numbers to link around this one: as many on each side as there are,
        keeping 2 * around + 1 numbers near the ends; last caps them (an address limit)."""
        last = min(self.pages, last or self.pages)
        start = max(1, min(self.page - around, last - 2 * around))
        return range(start, min(last, start + 2 * around) + 1)

    def past_last_message(self) -> str:
        return _("There is no page %(page)d here; the last page is %(pages)d.") % {
            "page": self.page,
            "pages": self.pages,
        }


@dataclass(frozen=True)
class Page(Paginated, Generic[T]):
    page: int
    per_page: int
    total: int
    items: Sequence[T] = ()


def paginate(items: Sequence[T], page: int, per_page: int) -> Page[T]:
    """One page of a list held in memory."""
    start = (page - 1) * per_page
    return Page(page, per_page, len(items), items[start : start + per_page])


@dataclass(frozen=True)
class PageLink:
    number: int
    url: str
    current: bool


@dataclass(frozen=True)
class PageLinks:
    """The links of a page to its neighbours; an empty URL where there is no such page."""

    page: int
    pages: int
    first: str
    previous: str
    numbers: tuple[PageLink, ...]
    next: str
    last: str

    @property
    def gap_before(self) -> bool:
        return bool(self.numbers) and self.numbers[0].number > 1

    @property
    def gap_after(self) -> bool:
        return bool(self.numbers) and self.numbers[-1].number < self.pages


def page_links(paged: Paginated, url: Callable[[int], str], last: int | None = None) -> PageLinks:
    """Links to the first, previous, nearby, next and last pages, each URL made by url(n).
    last: the highest page number an address may carry, when lower than the page count (the
    links then stop there rather than lead to a refused address)."""
    reachable = min(paged.pages, last or paged.pages)
    page = min(paged.page, reachable)
    return PageLinks(
        page=paged.page,
        pages=paged.pages,
        first=url(1) if page > 1 else "",
        previous=url(page - 1) if page > 1 else "",
        numbers=tuple(
            PageLink(number, url(number), number == paged.page)
            for number in paged.nearby_pages(last=reachable)
        ),
        next=url(page + 1) if page < reachable else "",
        last=url(reachable) if page < reachable else "",
    )
