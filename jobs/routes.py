"""Job pages and API: the routes, OpenAPI description and background work of the job board."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Match, Route
from starlette.types import Scope

from core.background import BackgroundWorker, app_task, lifetime_task, repeat
from core.i18n import lazy_gettext
from core.settings import Settings
from core.urls import Urls
from directory.sections import PageSections
from jobs import api, openapi, pages, sections, sitemap
from jobs.lifecycle import expire_due_jobs
from jobs.notices import tell_posters_of_closing_jobs
from jobs.search import fulltext
from jobs.search import routes as search_routes

logger = logging.getLogger("amicus.jobs")
EXPIRY_INTERVAL_SECONDS = 300


class JobPageRoute(Route):
    """/jobs/{key}, where a key (a job's slug or urn:uuid id) never holds a dot, so this route
    and the feeds' /jobs/feed.atom are disjoint and the order in which packages list their
    routes does not matter. (A path convertor would do the same, but Starlette keeps those in
    a process-wide registry that would have to be written at import.)"""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope = super().matches(scope)
        if match != Match.NONE and "." in child_scope["path_params"]["key"]:
            return Match.NONE, {}
        return match, child_scope


routes = [
    *search_routes.routes,
    Route("/api/jobs", api.create_job_endpoint, methods=["POST"], name="jobs:api_create"),
    Route("/api/jobs/{uid}", api.get_job_endpoint, methods=["GET"], name="jobs:api_job"),
    Route("/api/jobs/{uid}", api.update_job_endpoint, methods=["PATCH"], name="jobs:api_update"),
    Route(
        "/api/jobs/{uid}/{action}",
        api.job_action_endpoint,
        methods=["POST"],
        name="jobs:api_action",
    ),
    Route("/dashboard/jobs", pages.dashboard_jobs, name="jobs:dashboard"),
    Route("/dashboard/jobs/new", pages.new_job, methods=["GET", "POST"], name="jobs:new"),
    Route(
        "/dashboard/jobs/{job_id:int}/edit",
        pages.edit_job,
        methods=["GET", "POST"],
        name="jobs:edit",
    ),
    Route(
        "/dashboard/jobs/{job_id:int}/duplicate",
        pages.duplicate_job,
        methods=["GET"],
        name="jobs:duplicate",
    ),
    Route(
        "/dashboard/jobs/{job_id:int}/{action}",
        pages.job_action,
        methods=["POST"],
        name="jobs:action",
    ),
    Route("/admin/jobs", pages.moderation_queue, name="jobs:moderation"),
    Route(
        "/admin/jobs/{job_id:int}/{action}",
        pages.moderate_job,
        methods=["POST"],
        name="jobs:moderate",
    ),
    JobPageRoute("/jobs/{key}", pages.job_page, name="jobs:job"),
    Route("/sitemap.xml", sitemap.sitemap, name="jobs:sitemap"),
    Route("/sitemap-{number:int}.xml", sitemap.sitemap_file, name="jobs:sitemap_file"),
]


def _merge_openapi(*parts: dict[str, Any]) -> dict[str, Any]:
    """Paths shared by several parts (GET and POST /api/jobs) keep every method."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for part in parts:
        for path, methods in part.get("paths", {}).items():
            paths.setdefault(path, {}).update(methods)
        schemas.update(part.get("schemas", {}))
    return {"paths": paths, "schemas": schemas}


OPENAPI = _merge_openapi(
    {"paths": openapi.PATHS, "schemas": openapi.SCHEMAS}, search_routes.OPENAPI
)


def set_up(app: Starlette) -> None:
    """Add the job board's sections to the directory's pages, and the search index's lag to
    /metrics."""
    page_sections: PageSections = app.state.page_sections
    page_sections.add("organization", sections.organization_jobs)
    page_sections.add("home", sections.recent_jobs)
    page_sections.add_admin_page("jobs:moderation", lazy_gettext("Job moderation"))
    app.state.metrics.gauge(
        "amicus_search_index_lag_changes",
        "Job changes committed but not yet applied to the search index on disk",
        [],
        partial(_search_index_lag, app.state.search_indexes),
    )


async def _search_index_lag(indexes: fulltext.SearchIndexes) -> dict[tuple[str, ...], float]:
    # No index yet (it is built at the next search): no figure rather than a made-up one.
    lag = await indexes.unapplied_changes()
    return {} if lag is None else {(): float(lag)}


def background_workers(settings: Settings, urls: Urls) -> list[BackgroundWorker]:
    async def expire() -> None:
        now = datetime.now(UTC)
        expired = await expire_due_jobs(settings, now)
        if expired:
            logger.info("Expired %d jobs past their closing date", expired)
        await tell_posters_of_closing_jobs(settings, now)

    async def expiry_rounds() -> None:
        await repeat(expire, EXPIRY_INTERVAL_SECONDS, logger, "Expiring jobs failed")

    async def search_index_rounds(app: Starlette) -> None:
        indexes: fulltext.SearchIndexes = app.state.search_indexes
        await repeat(
            indexes.keep_in_step,
            fulltext.KEEP_IN_STEP_SECONDS,
            logger,
            "Updating the search index failed",
        )

    async def prune() -> None:
        retention = timedelta(days=settings.search_log_days)
        pruned = await fulltext.prune_change_log(retention, datetime.now(UTC))
        if pruned:
            logger.info("Pruned %d search changes older than %s", pruned, retention)

    async def prune_rounds() -> None:
        await repeat(
            prune, fulltext.PRUNE_INTERVAL_SECONDS, logger, "Pruning the search change log failed"
        )

    return [
        lifetime_task(expiry_rounds),
        app_task(search_index_rounds),
        lifetime_task(prune_rounds),
    ]
