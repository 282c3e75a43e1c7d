"""The jobs data generation: one row whose counter moves on every write to a job or an
organization.

Search results are cached per process and keyed by this counter (jobs.search.cache), so it must
move on every change, however it is made: Model.save(), QuerySet.update() (job state changes,
organization suspensions), bulk imports or raw SQL. A trigger sees them all, in the writing
transaction, on every process's database. PostgreSQL bumps once per statement; SQLite only has
row triggers.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

WATCHED_TABLES = ("job", "organization")
EVENTS = ("INSERT", "UPDATE", "DELETE")
BUMP = "UPDATE job_data_generation SET generation = generation + 1 WHERE id = 1"


def _sqlite_forward() -> list[str]:
    return [
        f"CREATE TRIGGER job_data_generation_after_{event.lower()}_{table} "
        f"AFTER {event} ON {table} BEGIN {BUMP}; END"
        for table in WATCHED_TABLES
        for event in EVENTS
    ]


def _sqlite_backward() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS job_data_generation_after_{event.lower()}_{table}"
        for table in WATCHED_TABLES
        for event in EVENTS
    ]


POSTGRES_FUNCTION = (
    "CREATE OR REPLACE FUNCTION job_data_generation_bump() RETURNS trigger AS $$ "
    f"BEGIN {BUMP}; RETURN NULL; END; $$ LANGUAGE plpgsql"
)


def _postgres_forward() -> list[str]:
    return [POSTGRES_FUNCTION] + [
        f"CREATE TRIGGER job_data_generation_after_change_{table} "
        f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION job_data_generation_bump()"
        for table in WATCHED_TABLES
    ]


def _postgres_backward() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS job_data_generation_after_change_{table} ON {table}"
        for table in WATCHED_TABLES
    ] + ["DROP FUNCTION IF EXISTS job_data_generation_bump()"]


async def _run(schema_editor, statements_by_dialect: dict[str, list[str]]) -> None:
    client = schema_editor.client
    for statement in statements_by_dialect[client.capabilities.dialect]:
        await client.execute_script(statement)


async def create_triggers(apps, schema_editor) -> None:
    await _run(schema_editor, {"sqlite": _sqlite_forward(), "postgres": _postgres_forward()})


async def drop_triggers(apps, schema_editor) -> None:
    await _run(schema_editor, {"sqlite": _sqlite_backward(), "postgres": _postgres_backward()})


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial"), ("jobs", "0002_search_index")]

    initial = False

    operations = [
        ops.CreateModel(
            name="JobDataGeneration",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("generation", fields.BigIntField(default=0)),
            ],
            options={
                "table": "job_data_generation",
                "app": "jobs",
                "pk_attr": "id",
                "table_description": (
                    "One row: a counter bumped by database triggers on every write to a job "
                    "or organization."
                ),
            },
            bases=["Model"],
        ),
        # The single counter row that every process reads and the triggers bump.
        ops.RunSQL(
            "INSERT INTO job_data_generation (id, generation) VALUES (1, 0)",
            reverse_sql="DELETE FROM job_data_generation WHERE id = 1",
        ),
        ops.RunPython(create_triggers, drop_triggers),
    ]
