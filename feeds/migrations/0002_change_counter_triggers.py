"""Triggers that bump feed_state.generation on every write to a job or an organization.

Feeds are cached per process and keyed by this counter, so it must move on every change,
however it is made: Model.save(), QuerySet.update() (job state changes), bulk imports or raw
SQL. A trigger sees them all, in the writing transaction, on every process's database.
PostgreSQL bumps once per statement; SQLite only has row triggers.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

WATCHED_TABLES = ("job", "organization")
BUMP = "UPDATE feed_state SET generation = generation + 1 WHERE id = 1"


def _sqlite_forward() -> list[str]:
    return [
        f"CREATE TRIGGER feed_state_after_{event.lower()}_{table} AFTER {event} ON {table} "
        f"BEGIN {BUMP}; END"
        for table in WATCHED_TABLES
        for event in ("INSERT", "UPDATE", "DELETE")
    ]


def _sqlite_backward() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS feed_state_after_{event.lower()}_{table}"
        for table in WATCHED_TABLES
        for event in ("INSERT", "UPDATE", "DELETE")
    ]


POSTGRES_FUNCTION = (
    "CREATE OR REPLACE FUNCTION feed_state_bump() RETURNS trigger AS $$ "
    f"BEGIN {BUMP}; RETURN NULL; END; $$ LANGUAGE plpgsql"
)


def _postgres_forward() -> list[str]:
    return [POSTGRES_FUNCTION] + [
        f"CREATE TRIGGER feed_state_after_change_{table} AFTER INSERT OR UPDATE OR DELETE "
        f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION feed_state_bump()"
        for table in WATCHED_TABLES
    ]


def _postgres_backward() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS feed_state_after_change_{table} ON {table}"
        for table in WATCHED_TABLES
    ] + ["DROP FUNCTION IF EXISTS feed_state_bump()"]


async def _run(schema_editor, statements_by_dialect: dict[str, list[str]]) -> None:
    client = schema_editor.client
    for statement in statements_by_dialect[client.capabilities.dialect]:
        await client.execute_script(statement)


async def create_triggers(apps, schema_editor) -> None:
    await _run(schema_editor, {"sqlite": _sqlite_forward(), "postgres": _postgres_forward()})


async def drop_triggers(apps, schema_editor) -> None:
    await _run(schema_editor, {"sqlite": _sqlite_backward(), "postgres": _postgres_backward()})


class Migration(migrations.Migration):
    dependencies = [
        ("feeds", "0001_initial"),
        ("jobs", "0001_initial"),
        ("directory", "0001_initial"),
    ]

    operations = [
        ops.RunPython(create_triggers, drop_triggers),
    ]
