"""What core.orm_internals relies on in Tortoise ORM's private API still holds in the installed
version. A failure here after an upgrade means the ORM changed under the application: fix
core/orm_internals.py (and only it), then move the pin in pyproject.toml."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.metadata import version

from tortoise import connections
from tortoise.transactions import in_transaction

from alerts.models import Alert, AlertSentJob, Frequency
from core import orm_internals
from feeds.models import FeedSubscription, SubscriptionStatus
from jobs.models import Category, EmploymentType, Job, JobStatus, WorkMode
from tests.helpers_feeds import make_job, make_organization


def test_the_installed_tortoise_is_the_minor_version_tested():
    installed = tuple(int(part) for part in version("tortoise-orm").split(".")[:2])
    assert installed == orm_internals.TESTED_TORTOISE


async def test_query_sql_is_the_sql_the_query_runs(live_server):
    ohio = await make_organization()
    await make_job(ohio, "Staff Attorney")
    await make_job(ohio, "Investigator")
    query = Job.filter(status=JobStatus.PUBLISHED).order_by("title").values_list("title")
    sql, params = orm_internals.query_sql(query)
    _, rows = await connections.get("default").execute_query(sql, params)
    assert [tuple(row) for row in rows] == [("Investigator",), ("Staff Attorney",)]
    assert "ORDER BY" in sql.upper()


async def test_query_sql_unordered_drops_only_the_order(live_server):
    ohio = await make_organization()
    await make_job(ohio, "Staff Attorney")
    await make_job(ohio, "Investigator", status=JobStatus.CLOSED)
    query = Job.filter(status=JobStatus.PUBLISHED).order_by("-title").values("id", "title")
    sql, params = orm_internals.query_sql(query, ordered=False)
    assert "ORDER BY" not in sql.upper()
    _, rows = await connections.get("default").execute_query(sql, params)
    assert [dict(row)["title"] for row in rows] == ["Staff Attorney"]


async def test_column_converters_read_stored_values_as_the_orm_does(live_server):
    ohio = await make_organization()
    job = await make_job(ohio)
    query = Job.filter(id=job.id).values_list("status", "salary_min")
    sql, params = orm_internals.query_sql(query)
    _, rows = await connections.get("default").execute_query(sql, params)
    converters = orm_internals.column_converters(query, Job, ("status", "salary_min"))
    read = tuple(convert(value) for convert, value in zip(converters, rows[0], strict=True))
    assert read == tuple(await query)[0]
    assert isinstance(read[0], JobStatus)


async def test_update_sql_updates_only_the_matching_row(live_server):
    mine = await FeedSubscription.create(url="https://a.example/feed", lease_owner="me")
    theirs = await FeedSubscription.create(url="https://b.example/feed", lease_owner="them")
    fields = ("status", "name")
    sql = orm_internals.update_sql(
        connections.get("default"),
        FeedSubscription,
        fields,
        (orm_internals.primary_key_column(FeedSubscription), "lease_owner"),
    )
    values = [
        orm_internals.to_db_value(FeedSubscription, "status", SubscriptionStatus.DISABLED),
        orm_internals.to_db_value(FeedSubscription, "name", "Renamed"),
    ]
    async with in_transaction() as connection:
        await connection.execute_many(
            sql, [[*values, mine.id, "me"], [*values, theirs.id, "not them"]]
        )
    await mine.refresh_from_db()
    await theirs.refresh_from_db()
    assert (mine.status, mine.name) == (SubscriptionStatus.DISABLED, "Renamed")
    assert theirs.status != SubscriptionStatus.DISABLED and theirs.name != "Renamed"


async def test_outside_transaction_names_the_database_a_transaction_runs_on(live_server):
    database = connections.get("default")
    async with in_transaction() as transaction:
        assert transaction is not database
        assert orm_internals.outside_transaction(transaction) is database
    assert orm_internals.outside_transaction(database) is database


async def test_insert_sql_inserts_each_row_given(live_server):
    alert = await Alert.create(
        email="a@example.org", query="", frequency=Frequency.DAILY, language="en"
    )
    sql = orm_internals.insert_sql(connections.get("default"), AlertSentJob, ("alert_id", "job_id"))
    async with in_transaction() as connection:
        await connection.execute_many(sql, [[alert.id, 7], [alert.id, 9]])
    rows = (
        await AlertSentJob.filter(alert=alert).order_by("job_id").values_list("job_id", flat=True)
    )
    assert rows == [7, 9]


async def test_new_instance_is_the_instance_the_model_would_make(live_server):
    ohio = await make_organization()
    values = {
        "title": "Investigator",
        "uid": "urn:uuid:2f1e4c1a-0c1d-4e8e-9a55-7d0f3c1b2a01",
        "slug": "investigator-1",
        "organization_id": ohio.id,
        "status": JobStatus.PUBLISHED,
        "employment_type": EmploymentType.FULL_TIME,
        "category": Category.INVESTIGATOR,
        "work_mode": WorkMode.ONSITE,
        "language": "en",
        "posted_at": datetime(2026, 3, 1, tzinfo=UTC),
    }
    made = orm_internals.new_instance(Job(), values)
    built = Job(**values)
    fields = Job._meta.fields_db_projection
    assert {name: getattr(made, name) for name in fields} == {
        name: getattr(built, name) for name in fields
    }
    await Job.bulk_create([made])
    assert (await Job.get(title="Investigator")).organization_id == ohio.id
