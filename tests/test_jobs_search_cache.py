"""Search results cached per process: every change to a job or an organization, however it is
made (save, queryset update, delete, raw SQL from another process), shows in the next search;
cached pages, totals and facets are the same as computed afresh. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from core.settings import Settings
from directory.models import Organization, OrganizationStatus
from jobs.models import Category, EmploymentType, Job, JobStatus, WorkMode
from jobs.search import cache as search_cache
from jobs.search.engine import search_jobs
from jobs.search.params import parse_job_query
from tests.conftest import start_server, stop_server, uses_postgres
from tests.helpers_search import make_job, make_organization


@pytest.fixture
def caches(live_server) -> search_cache.SearchCaches:
    """The served application's search caches."""
    return live_server.app.state.search_caches


async def search(api, params) -> dict:
    response = await api.get("/api/jobs", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def titles(document: dict) -> list[str]:
    return [item["title"] for item in document["items"]]


def facet(document: dict, name: str) -> dict[str, int]:
    return {entry["value"]: entry["count"] for entry in document["facets"][name]}


async def generation() -> int:
    value = await search_cache.data_generation(connections.get("default"))
    assert value is not None
    return value


async def test_a_repeated_search_is_served_from_the_cache(api, caches):
    organization = await make_organization("Clinic")
    await make_job(organization, "Staff Attorney")
    first = await search(api, {"q": "attorney"})
    hits = caches.results.hits
    second = await search(api, {"q": "ATTORNEY"})
    assert caches.results.hits >= hits + 2  # the page's ids and the counts
    assert titles(second) == titles(first) == ["Staff Attorney"]
    assert second["total"] == first["total"] == 1


async def test_every_write_to_a_job_or_an_organization_moves_the_generation(live_server):
    before = await generation()
    organization = await make_organization("Clinic")
    assert await generation() > before
    before = await generation()
    job = await make_job(organization, "Attorney")
    assert await generation() > before
    for change in (
        lambda: Job.filter(id=job.id).update(title="Senior Attorney"),
        lambda: Organization.filter(id=organization.id).update(name="Renamed Clinic"),
        lambda: connections.get("default").execute_query("UPDATE job SET city = 'Lima'"),
        lambda: Job.filter(id=job.id).delete(),
        lambda: Organization.filter(id=organization.id).delete(),
    ):
        before = await generation()
        await change()
        assert await generation() > before


async def test_an_edited_title_shows_at_once(api):
    organization = await make_organization("Clinic")
    job = await make_job(organization, "Staff Litigator")
    assert titles(await search(api, {"q": "litigator"})) == ["Staff Litigator"]
    job.title = "Innocence Investigator"
    await job.save()
    assert titles(await search(api, {"q": "litigator"})) == []
    assert titles(await search(api, {"q": "investigator"})) == ["Innocence Investigator"]


async def test_a_closed_job_leaves_the_results_the_total_and_the_facets_at_once(api):
    organization = await make_organization("Clinic")
    await make_job(organization, "Attorney One", work_mode=WorkMode.REMOTE)
    closing = await make_job(organization, "Attorney Two", work_mode=WorkMode.ONSITE)
    before = await search(api, {"q": "attorney"})
    assert before["total"] == 2
    assert facet(before, "work_mode") == {"remote": 1, "onsite": 1}
    await Job.filter(id=closing.id).update(status=JobStatus.CLOSED)
    after = await search(api, {"q": "attorney"})
    assert titles(after) == ["Attorney One"]
    assert after["total"] == 1
    assert facet(after, "work_mode") == {"remote": 1}


async def test_a_new_job_appears_at_once_on_every_sort(api):
    organization = await make_organization("Clinic")
    await make_job(organization, "Attorney Old", posted_days_ago=5)
    for sort in ("relevance", "newest", "closing"):
        assert (await search(api, {"q": "attorney", "sort": sort}))["total"] == 1
    assert (await search(api, {}))["total"] == 1
    await make_job(organization, "Attorney New", posted_days_ago=0.5, closes_in_days=3)
    for sort in ("relevance", "newest", "closing"):
        document = await search(api, {"q": "attorney", "sort": sort})
        assert document["total"] == 2
        assert set(titles(document)) == {"Attorney Old", "Attorney New"}
    assert titles(await search(api, {}))[0] == "Attorney New"


async def test_a_suspended_organization_takes_its_jobs_away_at_once(api):
    kept = await make_organization("Kept Clinic")
    suspended = await make_organization("Suspended Clinic")
    await make_job(kept, "Attorney Kept")
    await make_job(suspended, "Attorney Suspended")
    assert (await search(api, {"q": "attorney"}))["total"] == 2
    await Organization.filter(id=suspended.id).update(status=OrganizationStatus.SUSPENDED)
    document = await search(api, {"q": "attorney"})
    assert titles(document) == ["Attorney Kept"]
    assert document["total"] == 1


async def test_a_change_made_by_another_process_shows_at_once(api, settings: Settings):
    """Another app process (here: a connection outside Tortoise) writes straight to the
    database; the trigger-bumped generation tells this process's cache."""
    organization = await make_organization("Clinic")
    job = await make_job(organization, "Staff Attorney")
    assert (await search(api, {"q": "attorney"}))["total"] == 1
    if uses_postgres():
        url = settings.database_url.replace("postgres://", "postgresql://", 1)
        other = await asyncpg.connect(url)
        try:
            await other.execute("UPDATE job SET status = 'filled' WHERE id = $1", job.id)
        finally:
            await other.close()
    else:
        other = sqlite3.connect(urlsplit(settings.database_url).path)
        try:
            with other:
                other.execute("UPDATE job SET status = 'filled' WHERE id = ?", (job.id,))
        finally:
            other.close()
    document = await search(api, {"q": "attorney"})
    assert document["total"] == 0
    assert titles(document) == []


async def test_cached_pages_totals_and_facets_equal_fresh_ones(caches, search_indexes, monkeypatch):
    # A short cached prefix, so that pages both inside and beyond it are read.
    monkeypatch.setattr(search_cache, "PREFIX_ROWS", 4)
    organization = await make_organization("Clinic")
    now = datetime.now(UTC)
    for number in range(9):
        await make_job(
            organization,
            f"Attorney {number}",
            now=now - timedelta(hours=number % 3),
            closes_in_days=None if number % 4 == 0 else 10 + number % 5,
            work_mode=list(WorkMode)[number % 3],
        )
    for sort in ("relevance", "newest", "closing"):
        for params in ({"q": "attorney"}, {"work_mode": "remote"}, {}):
            for page in range(1, 6):
                query = parse_job_query({**params, "sort": sort, "per_page": "2", "page": page})
                for _round in range(2):  # the second round is served from the cache
                    cached = await search_jobs(
                        query, indexes=search_indexes, now=now, caches=caches
                    )
                    fresh = await search_jobs(query, indexes=search_indexes, now=now)
                    assert [job.id for job in cached.jobs] == [job.id for job in fresh.jobs]
                    assert cached.total == fresh.total
                    assert cached.facets == fresh.facets
    assert caches.results.hits > 0


async def test_a_facet_clicked_after_a_search_has_the_counts_of_a_fresh_search(
    caches, search_indexes
):
    """Totals and facets of a query with facet filters, searched with the cache after the
    same query without them, equal those computed in full."""
    clinics = [await make_organization(f"Clinic {number}") for number in range(2)]
    now = datetime.now(UTC)
    for number in range(12):
        await make_job(
            clinics[number % 2],
            f"Attorney {number}" if number % 3 else f"Investigator {number}",
            country=("US", "AR", "JP")[number % 3],
            employment_type=list(EmploymentType)[number % 4],
            category=list(Category)[number % 5],
            work_mode=list(WorkMode)[number % 3],
            language=("en", "es-AR", "ja")[number % 3],
            salary=(50_000, 60_000) if number % 2 else None,
            now=now,
        )
    for base in ({"q": "attorney"}, {}, {"salary_given": "true"}, {"language": "es"}):
        await search_jobs(parse_job_query(base), indexes=search_indexes, now=now, caches=caches)
        for clicked in (
            {"country": "US"},
            {"country": "AR,JP", "work_mode": "remote"},
            {"employment_type": "FULL_TIME,CONTRACTOR", "category": "attorney"},
            {"work_mode": "hybrid", "country": "ZA"},
        ):
            query = parse_job_query({**base, **clicked})
            derived = await search_jobs(query, indexes=search_indexes, now=now, caches=caches)
            fresh = await search_jobs(query, indexes=search_indexes, now=now)
            assert (derived.total, derived.facets) == (fresh.total, fresh.facets)
            assert [job.id for job in derived.jobs] == [job.id for job in fresh.jobs]
            bare = await search_jobs(
                query, indexes=search_indexes, now=now, facets=False, caches=caches
            )
            assert bare.total == fresh.total


async def test_facets_handed_out_can_be_changed_without_touching_the_cache(caches, search_indexes):
    await make_job(await make_organization("Clinic"), "Attorney")
    query = parse_job_query({"q": "attorney"})
    first = await search_jobs(query, indexes=search_indexes, caches=caches)
    first.facets["country"].clear()
    first.facets.pop("language")
    second = await search_jobs(query, indexes=search_indexes, caches=caches)
    assert second.facets["country"] and second.facets["language"]


async def test_jobs_handed_out_can_be_changed_without_touching_the_cache(caches, search_indexes):
    await make_job(await make_organization("Clinic"), "Attorney")
    query = parse_job_query({"q": "attorney"})
    (first,) = (await search_jobs(query, indexes=search_indexes, caches=caches)).jobs
    first.title = "Changed in memory"
    first.organization.name = "Changed too"
    (second,) = (await search_jobs(query, indexes=search_indexes, caches=caches)).jobs
    assert caches.jobs.hits >= 1
    assert (second.title, second.organization.name) == ("Attorney", "Clinic")
    assert second is not first


async def test_a_search_without_facets_then_with_them(caches, search_indexes):
    await make_job(await make_organization("Clinic"), "Attorney")
    query = parse_job_query({"q": "attorney"})
    bare = await search_jobs(query, indexes=search_indexes, facets=False, caches=caches)
    assert bare.total == 1 and bare.facets == {}
    full = await search_jobs(query, indexes=search_indexes, caches=caches)
    assert full.total == 1 and [entry.value for entry in full.facets["country"]] == ["US"]


async def test_searches_inside_a_transaction_bypass_the_cache(caches, search_indexes):
    organization = await make_organization("Clinic")
    await make_job(organization, "Attorney")
    query = parse_job_query({"q": "attorney"})
    try:
        async with in_transaction():
            await make_job(organization, "Attorney Uncommitted")
            assert (await search_jobs(query, indexes=search_indexes, caches=caches)).total == 2
            assert len(caches.results) == 0
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert (await search_jobs(query, indexes=search_indexes, caches=caches)).total == 1


async def test_the_cache_setting_turns_the_route_cache_off(settings, server_socket):
    server, task = await start_server(settings.with_changes(search_cache=False), server_socket)
    try:
        async with httpx.AsyncClient(base_url=settings.base_url) as client:
            await make_job(await make_organization("Clinic"), "Attorney")
            for _round in range(2):
                assert (await search(client, {"q": "attorney"}))["total"] == 1
        assert len(server.config.app.state.search_caches.results) == 0
    finally:
        await stop_server(server, task)
    assert Settings.from_env({"AMICUS_SEARCH_CACHE": "off"}).search_cache is False
    assert Settings.from_env({}).search_cache is True


def test_the_cache_keeps_at_most_its_size_dropping_the_least_recently_used():
    lru = search_cache.SearchCache(max_entries=2)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.get("a") == 1
    lru.put("c", 3)
    assert lru.get("b") is None
    assert (lru.get("a"), lru.get("c")) == (1, 3)
    assert len(lru) == 2


def test_visibility_is_evaluated_at_the_start_of_the_minute():
    moment = datetime(2026, 11, 23, 12, 34, 56, 789, tzinfo=UTC)
    assert search_cache.this_minute(moment) == datetime(2026, 11, 23, 12, 34, tzinfo=UTC)
