"""The search index is derived from the database and kept in step through its change log:
writes from any process are found, an indexer killed mid-batch loses nothing, a missing or
corrupted index is rebuilt, and visibility is decided inside the index at the moment it changes.
Runs on whichever database the suite uses."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from tortoise import connections

from core.database import close_database, open_database
from core.settings import Settings
from directory.models import Organization, OrganizationStatus
from jobs.models import EmploymentType, Job, WorkMode
from jobs.search import fulltext
from jobs.search.engine import search_jobs
from jobs.search.params import parse_job_query
from tests.helpers_search import make_job, make_organization

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[None]:
    """The database open in this process alone: no app runs an index worker meanwhile."""
    await open_database(database_url)
    try:
        yield
    finally:
        await close_database()


@pytest.fixture
def indexes(database: None, search_index_folder: Path) -> Iterator[fulltext.SearchIndexes]:
    """This process's search indexes, as a process without an app (a command) keeps them."""
    opened = fulltext.SearchIndexes(str(search_index_folder))
    yield opened
    opened.forget()


async def found(indexes: fulltext.SearchIndexes, text: str, **options) -> set[str]:
    query = parse_job_query({"q": text, "per_page": "100"})
    result = await search_jobs(query, indexes=indexes, **options)
    return {job.title for job in result.jobs}


async def total(indexes: fulltext.SearchIndexes, text: str) -> int:
    return (await search_jobs(parse_job_query({"q": text}), indexes=indexes)).total


def index_folder(indexes: fulltext.SearchIndexes) -> Path:
    return indexes.location(connections.get("default"))


def run_in_another_process(database_url: str, body: str) -> subprocess.CompletedProcess:
    """Run `body` (async Python with the database open) in a new interpreter."""
    process = start_another_process(database_url, body)
    stdout, stderr = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def start_another_process(database_url: str, body: str) -> subprocess.Popen:
    """Start running `body` (async Python with the database open) in a new interpreter."""
    script = textwrap.dedent(
        """
        import asyncio, os, signal
        from core.database import open_database, close_database
        from core.settings import Settings
        from jobs.search import fulltext

        async def main():
            await open_database(os.environ["TEST_DATABASE"])
            try:
        {body}
            finally:
                await close_database()

        asyncio.run(main())
        """
    ).format(body=textwrap.indent(textwrap.dedent(body), " " * 12))
    return subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=PROJECT,
        env={**os.environ, "TEST_DATABASE": database_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_indexes_go_under_the_configured_folder_one_per_database_else_beside_sqlite(tmp_path):
    configured = Settings.from_env({"AMICUS_INDEX_DIR": str(tmp_path / "indexes")}).index_dir
    assert Settings.from_env({}).index_dir == ""
    sqlite = SimpleNamespace(filename=str(tmp_path / "amicus.sqlite3"))
    elsewhere = SimpleNamespace(filename=str(tmp_path / "copy" / "amicus.sqlite3"))
    postgres = SimpleNamespace(host="db", port=5432, database="amicus")
    assert fulltext.index_directory(sqlite, "") == tmp_path / "amicus.sqlite3.search-index"
    assert fulltext.index_directory(postgres, "") == Path("data/db-5432-amicus.search-index")
    folders = {fulltext.index_directory(one, configured) for one in (sqlite, elsewhere, postgres)}
    assert len(folders) == 3
    assert {folder.parent for folder in folders} == {tmp_path / "indexes"}


async def test_a_job_written_by_another_process_is_found(indexes, database_url):
    organization = await make_organization("Clinic")
    await make_job(organization, "Staff Attorney")
    assert await found(indexes, "attorney") == {"Staff Attorney"}
    done = run_in_another_process(
        database_url,
        f"""
        from jobs.models import Job
        first = await Job.get(title="Staff Attorney")
        await Job.filter(id=first.id).update(search_title="appellate attorney")
        assert {organization.id} == first.organization_id
        """,
    )
    assert done.returncode == 0, done.stderr
    # The other process changed the terms with a bare UPDATE: only the log tells the index.
    assert await found(indexes, "appellate") == {"Staff Attorney"}


async def test_an_indexer_killed_mid_batch_loses_nothing(indexes, database_url):
    organization = await make_organization("Clinic")
    await make_job(organization, "Investigator")
    assert await found(indexes, "investigator") == {"Investigator"}
    # Another process starts applying a batch of new jobs and is killed before committing.
    killed = run_in_another_process(
        database_url,
        f"""
        import itertools
        from tests import helpers_search
        from tests.helpers_search import make_job
        helpers_search._numbers = itertools.count(10_000)
        from directory.models import Organization
        organization = await Organization.get(id={organization.id})
        for number in range(30):
            await make_job(organization, f"Paralegal {{number}}")
        made = fulltext.document
        written = []
        def dying(row):
            written.append(row)
            if len(written) == 10:
                os.kill(os.getpid(), signal.SIGKILL)
            return made(row)
        fulltext.document = dying
        await fulltext.SearchIndexes(Settings.from_env().index_dir).current_index()
        """,
    )
    assert killed.returncode == -9, killed.stderr
    assert await total(indexes, "paralegal") == 30
    assert await total(indexes, "investigator") == 1


async def test_changes_applied_twice_after_a_crash_are_not_counted_twice(indexes):
    organization = await make_organization("Clinic")
    for number in range(5):
        await make_job(organization, f"Attorney {number}")
    assert await total(indexes, "attorney") == 5
    # A process killed between committing the index and recording its position applies the
    # same changes again on restart.
    (index_folder(indexes) / "amicus-position").write_text(f"{fulltext.SCHEMA_VERSION} 0")
    indexes.forget()
    assert await total(indexes, "attorney") == 5


async def test_a_deleted_index_is_rebuilt_from_the_database(indexes):
    organization = await make_organization("Clinic")
    await make_job(organization, "Staff Attorney")
    assert await found(indexes, "attorney") == {"Staff Attorney"}
    indexes.forget()
    shutil.rmtree(index_folder(indexes))
    assert await found(indexes, "attorney") == {"Staff Attorney"}
    assert (index_folder(indexes) / "amicus-position").exists()


async def test_a_corrupted_index_is_rebuilt_from_the_database(indexes):
    organization = await make_organization("Clinic")
    await make_job(organization, "Staff Attorney")
    assert await found(indexes, "attorney") == {"Staff Attorney"}
    indexes.forget()
    for path in index_folder(indexes).iterdir():
        if path.is_file() and not path.name.startswith("."):
            path.write_bytes(b"\0garbage")
    assert await found(indexes, "attorney") == {"Staff Attorney"}


async def test_an_index_from_an_older_schema_is_rebuilt(indexes):
    organization = await make_organization("Clinic")
    await make_job(organization, "Staff Attorney")
    assert await found(indexes, "attorney") == {"Staff Attorney"}
    indexes.forget()
    (index_folder(indexes) / "amicus-position").write_text(f"{fulltext.SCHEMA_VERSION - 1} 999999")
    assert await found(indexes, "attorney") == {"Staff Attorney"}


async def test_a_suspended_organization_disappears_from_search(indexes):
    suspended = await make_organization("Suspended Clinic")
    kept = await make_organization("Active Clinic")
    await make_job(suspended, "Attorney Suspended")
    await make_job(kept, "Attorney Kept")
    assert await found(indexes, "attorney") == {"Attorney Suspended", "Attorney Kept"}
    await Organization.filter(id=suspended.id).update(status=OrganizationStatus.SUSPENDED)
    assert await found(indexes, "attorney") == {"Attorney Kept"}
    await Organization.filter(id=suspended.id).update(status=OrganizationStatus.ACTIVE)
    assert await found(indexes, "attorney") == {"Attorney Suspended", "Attorney Kept"}


async def test_a_job_leaves_results_at_its_closing_moment(indexes):
    organization = await make_organization("Clinic")
    job = await make_job(organization, "Attorney Closing", closes_in_days=2)
    closing = job.valid_through
    assert closing is not None
    just_before = closing - timedelta(microseconds=1)
    assert await found(indexes, "attorney", now=just_before) == {"Attorney Closing"}
    assert await found(indexes, "attorney", now=closing) == set()


async def test_a_job_without_closing_date_leaves_at_the_end_of_the_default_lifetime(indexes):
    organization = await make_organization("Clinic")
    job = await make_job(organization, "Attorney Open", closes_in_days=None, posted_days_ago=1)
    assert job.posted_at is not None
    ends = job.posted_at + timedelta(days=10)
    options = {"default_days": 10}
    assert await found(indexes, "attorney", now=ends - timedelta(seconds=1), **options) == {
        "Attorney Open"
    }
    assert await found(indexes, "attorney", now=ends, **options) == set()


async def test_a_deleted_job_leaves_the_index(indexes):
    organization = await make_organization("Clinic")
    job = await make_job(organization, "Attorney Gone")
    assert await found(indexes, "attorney") == {"Attorney Gone"}
    await Job.filter(id=job.id).delete()
    assert await found(indexes, "attorney", now=datetime.now(UTC)) == set()


async def test_reindex_rebuilds_every_job(indexes):
    organization = await make_organization("Clinic")
    for number in range(3):
        await make_job(organization, f"Investigator {number}")
    assert await indexes.reindex() == 3
    assert await total(indexes, "investigator") == 3


async def test_words_naming_a_filter_value_find_jobs_by_that_field(indexes):
    organization = await make_organization("Clinic")
    await make_job(organization, "Investigator", work_mode=WorkMode.REMOTE)
    await make_job(organization, "Paralegal", employment_type=EmploymentType.VOLUNTEER)
    assert await found(indexes, "remote") == {"Investigator"}
    assert await found(indexes, "remoto") == {"Investigator"}
    assert await found(indexes, "volunteer") == {"Paralegal"}
    # make_job posts full-time jobs unless told otherwise.
    assert await found(indexes, "full-time") == {"Investigator"}


async def log_size() -> int:
    rows = await connections.get("default").execute_query_dict(
        "SELECT COUNT(*) AS n FROM search_change"
    )
    return int(rows[0]["n"])


async def test_changes_older_than_the_retention_are_pruned_and_search_still_finds_them(indexes):
    organization = await make_organization("Clinic")
    for number in range(5):
        await make_job(organization, f"Attorney {number}")
    assert await total(indexes, "attorney") == 5
    now = datetime.now(UTC)
    logged = await log_size()
    # The first round only notes where the log is; nothing is old enough yet.
    assert await fulltext.prune_change_log(timedelta(days=7), now) == 0
    await make_job(organization, "Investigator")
    assert await found(indexes, "investigator") == {"Investigator"}
    attorneys = await found(indexes, "attorney")
    assert {f"Attorney {number}" for number in range(5)} <= attorneys
    assert await fulltext.prune_change_log(timedelta(days=7), now + timedelta(days=6)) == 0
    # A week later, everything logged before the first round goes but the newest of them.
    pruned = await fulltext.prune_change_log(timedelta(days=7), now + timedelta(days=8))
    assert pruned == logged - 1
    assert await log_size() == 2
    indexes.forget()
    assert await found(indexes, "attorney") == attorneys
    assert await found(indexes, "investigator") == {"Investigator"}


async def test_an_index_behind_what_the_log_still_holds_is_rebuilt(indexes):
    organization = await make_organization("Clinic")
    await make_job(organization, "Staff Attorney")
    assert await found(indexes, "attorney") == {"Staff Attorney"}
    indexes.forget()
    # This index stops here; the log moves on and is pruned past where it stopped.
    position = (index_folder(indexes) / "amicus-position").read_text()
    now = datetime.now(UTC)
    # Two jobs, so that a change after the index's position is among those pruned.
    await make_job(organization, "Investigator")
    await make_job(organization, "Investigator")
    await fulltext.prune_change_log(timedelta(days=7), now)
    await make_job(organization, "Paralegal")
    await fulltext.prune_change_log(timedelta(days=7), now + timedelta(days=8))
    (index_folder(indexes) / "amicus-position").write_text(position)
    assert await total(indexes, "investigator") == 2
    assert await found(indexes, "paralegal") == {"Paralegal"}


async def test_two_processes_writing_and_searching_at_once_lose_no_write(indexes, database_url):
    organization = await make_organization("Clinic")
    await make_job(organization, "Staff Attorney")
    assert await total(indexes, "attorney") == 1
    # Each process writes jobs and searches between writes, so that both apply the log and
    # contend for the index's writer while the other commits.
    writers = [
        start_another_process(
            database_url,
            f"""
            import itertools
            from tests import helpers_search
            from tests.helpers_search import make_job
            from directory.models import Organization
            from jobs.search.engine import search_jobs
            from jobs.search.params import parse_job_query
            from jobs.search.fulltext import SearchIndexes
            helpers_search._numbers = itertools.count({first})
            indexes = SearchIndexes(Settings.from_env().index_dir)
            organization = await Organization.get(id={organization.id})
            for number in range(15):
                await make_job(organization, f"Paralegal {first} {{number}}")
                await search_jobs(parse_job_query({{"q": "paralegal"}}), indexes=indexes)
            result = await search_jobs(parse_job_query({{"q": "paralegal"}}), indexes=indexes)
            assert result.total >= 15, result.total
            """,
        )
        for first in (10_000, 20_000)
    ]
    for writer in writers:
        _, stderr = writer.communicate(timeout=120)
        assert writer.returncode == 0, stderr
    assert await total(indexes, "paralegal") == 30


async def test_a_failure_while_counting_reaches_the_caller_as_itself(indexes, monkeypatch):
    await make_job(await make_organization("Innocence Project"), title="Paralegal")

    def broken(self):
        raise OSError("the index files are gone")

    monkeypatch.setattr("jobs.search.engine._IndexSearch.tallies", broken)
    with pytest.raises(OSError, match="the index files are gone"):
        await search_jobs(parse_job_query({"q": "paralegal"}), indexes=indexes)
