"""Pages of a counted list: which page, how many per page, how many pages, what comes next.

The directory, job search and the complete job feed number their pages by these rules. A
page past the last is not an empty page but an address that does not exist: callers answer
404 when is_past_last (page 1 of nothing is a page, and says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from core.i18n import gettext as _

T = TypeVar("T")


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
