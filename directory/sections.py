"""Extension points for pages this package renders but other packages add to.

The job board adds an organization's open jobs to its page, and recent jobs to the home
page, without the directory importing it: create_app gives each domain package the
application's PageSections (app.state.page_sections) to add its providers to.
A provider returns (template name, context) or None when it has nothing to show.
Packages with administration pages add them to the administration menu the same way, so
the directory's menu never names another package's routes, and alternate representations
of a page (its <link rel="alternate">, such as the fediverse actor) likewise.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request

from core.urls import FeedLink

Section = tuple[str, dict[str, Any]]
SectionProvider = Callable[..., Awaitable[Section | None]]
# (media type, URL, title) of one alternate representation, or None when there is none.
AlternateProvider = Callable[..., Awaitable[FeedLink | None]]

PAGES = ("home", "organization")


class PageSections:
    """The section providers of one application, per page, and its administration menu."""

    def __init__(self) -> None:
        self._providers: dict[str, list[SectionProvider]] = {page: [] for page in PAGES}
        self._alternates: dict[str, list[AlternateProvider]] = {page: [] for page in PAGES}
        # (route name, label): label is a lazy_gettext proxy, translated when rendered.
        self.admin_pages: list[tuple[str, Any]] = []

    def add_admin_page(self, route_name: str, label: Any) -> None:
        """Another package's administration page, shown in the administration menu after
        the directory's own pages, in the order the packages are set up."""
        if (route_name, label) not in self.admin_pages:
            self.admin_pages.append((route_name, label))

    def add(self, page: str, provider: SectionProvider) -> None:
        """provider(request, **objects) for page "home" (no objects) or "organization"
        (organization=)."""
        if provider not in self._providers[page]:
            self._providers[page].append(provider)

    async def render(self, page: str, request: Request, **objects: Any) -> list[Section]:
        found = [await provider(request, **objects) for provider in self._providers[page]]
        return [section for section in found if section is not None]

    def add_alternate(self, page: str, provider: AlternateProvider) -> None:
        """provider(request, **objects) as for add(), giving one alternate representation."""
        if provider not in self._alternates[page]:
            self._alternates[page].append(provider)

    async def alternates(self, page: str, request: Request, **objects: Any) -> list[FeedLink]:
        found = [await provider(request, **objects) for provider in self._alternates[page]]
        return [link for link in found if link is not None]


async def sections(page: str, request: Request, **objects: Any) -> list[Section]:
    """The sections the request's application adds to a page."""
    page_sections: PageSections = request.app.state.page_sections
    return await page_sections.render(page, request, **objects)


async def alternates(page: str, request: Request, **objects: Any) -> list[FeedLink]:
    """The alternate representations other packages give a page, for its <head>."""
    page_sections: PageSections = request.app.state.page_sections
    return await page_sections.alternates(page, request, **objects)
