"""The demo board: realistic jobs in three languages, loaded idempotently."""

from __future__ import annotations

from directory.demo import load_demo_directory
from jobs.demo import demo_records, load_demo_jobs
from jobs.models import Job, JobStatus, WorkMode


async def test_demo_jobs_load_once_in_three_languages_with_some_closed(live_server, api):
    settings = live_server.settings
    await load_demo_directory(settings)
    loaded = await load_demo_jobs(settings)
    assert 40 <= loaded <= len(demo_records())
    assert await load_demo_jobs(settings) == loaded
    assert await Job.all().count() == loaded

    jobs = await Job.all()
    assert {job.language for job in jobs} == {"en", "es", "ja"}
    assert sum(job.status == JobStatus.PUBLISHED for job in jobs) >= 35
    assert {JobStatus.CLOSED, JobStatus.FILLED, JobStatus.EXPIRED} <= {job.status for job in jobs}
    assert any(job.work_mode == WorkMode.REMOTE for job in jobs)
    assert any(job.salary_min is not None for job in jobs)
    assert all("<script" not in job.description_html for job in jobs)

    japanese = next(job for job in jobs if job.language == "ja" and job.status == "published")
    page = await api.get(f"/jobs/{japanese.slug}")
    assert page.status_code == 200 and "application/ld+json" in page.text


async def test_demo_jobs_skip_organizations_that_are_missing(live_server):
    assert await load_demo_jobs(live_server.settings) == 0
    assert await Job.all().count() == 0
