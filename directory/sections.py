"""Extension points for pages this package renders but other packages add to.

The job board adds an organization's open jobs to its page, and recent jobs to the home
page, without the directory importing it: it registers a provider here at import time.
A provider returns (template name, context) or None when it has nothing to show.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request

Section = tuple[str, dict[str, Any]]
SectionProvider = Callable[..., Awaitable[Section | None]]

PAGES = ("home", "organization")
_providers: dict[str, list[SectionProvider]] = {page: [] for page in PAGES}


def add_section(page: str, provider: SectionProvider) -> None:
    """provider(request, **objects) for page "home" (no objects) or "organization" (organization=)."""
    if provider not in _providers[page]:
        _providers[page].append(provider)


async def sections(page: str, request: Request, **objects: Any) -> list[Section]:
    found = [await provider(request, **objects) for provider in _providers[page]]
    return [section for section in found if section is not None]
