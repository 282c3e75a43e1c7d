"""The search change log: one row per job whose searchable state may have changed.

The search index (jobs.search.fulltext) is derived from the database and kept in step by
applying this log. Triggers write it in the writing transaction, however the change is made
(Model.save(), QuerySet.update(), bulk imports, raw SQL), on every process's database: a job
inserted, updated or deleted, and an organization whose status or slug changes (which decides
whether its jobs are shown and which organization filter finds them). Several machines on one
PostgreSQL each apply the same log to their own index.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

LOG = "INSERT INTO search_change (job_id)"
ORGANIZATION_CHANGED = (
    "OLD.status IS DISTINCT FROM NEW.status OR OLD.slug IS DISTINCT FROM NEW.slug"
)

SQLITE_FORWARD = [
    "CREATE TABLE search_change (seq INTEGER PRIMARY KEY AUTOINCREMENT, job_id INTEGER NOT NULL)",
    f"CREATE TRIGGER search_change_after_insert_job AFTER INSERT ON job "
    f"BEGIN {LOG} VALUES (NEW.id); END",
    f"CREATE TRIGGER search_change_after_update_job AFTER UPDATE ON job "
    f"BEGIN {LOG} VALUES (NEW.id); END",
    f"CREATE TRIGGER search_change_after_delete_job AFTER DELETE ON job "
    f"BEGIN {LOG} VALUES (OLD.id); END",
    "CREATE TRIGGER search_change_after_update_organization AFTER UPDATE ON organization "
    "WHEN OLD.status IS NOT NEW.status OR OLD.slug IS NOT NEW.slug "
    f"BEGIN {LOG} SELECT id FROM job WHERE organization_id = NEW.id; END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_change_after_insert_job",
    "DROP TRIGGER IF EXISTS search_change_after_update_job",
    "DROP TRIGGER IF EXISTS search_change_after_delete_job",
    "DROP TRIGGER IF EXISTS search_change_after_update_organization",
    "DROP TABLE IF EXISTS search_change",
]

POSTGRES_FORWARD = [
    "CREATE TABLE search_change (seq BIGSERIAL PRIMARY KEY, job_id INTEGER NOT NULL)",
    "CREATE OR REPLACE FUNCTION search_change_of_job() RETURNS trigger AS $$ BEGIN "
    f"IF TG_OP = 'DELETE' THEN {LOG} VALUES (OLD.id); ELSE {LOG} VALUES (NEW.id); END IF; "
    "RETURN NULL; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER search_change_after_change_job AFTER INSERT OR UPDATE OR DELETE ON job "
    "FOR EACH ROW EXECUTE FUNCTION search_change_of_job()",
    "CREATE OR REPLACE FUNCTION search_change_of_organization() RETURNS trigger AS $$ BEGIN "
    f"IF {ORGANIZATION_CHANGED} THEN "
    f"{LOG} SELECT id FROM job WHERE organization_id = NEW.id; END IF; "
    "RETURN NULL; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER search_change_after_update_organization AFTER UPDATE ON organization "
    "FOR EACH ROW EXECUTE FUNCTION search_change_of_organization()",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_change_after_change_job ON job",
    "DROP TRIGGER IF EXISTS search_change_after_update_organization ON organization",
    "DROP FUNCTION IF EXISTS search_change_of_job()",
    "DROP FUNCTION IF EXISTS search_change_of_organization()",
    "DROP TABLE IF EXISTS search_change",
]


async def _run(schema_editor, statements_by_dialect: dict[str, list[str]]) -> None:
    client = schema_editor.client
    for statement in statements_by_dialect[client.capabilities.dialect]:
        await client.execute_script(statement)


async def create_change_log(apps, schema_editor) -> None:
    await _run(schema_editor, {"sqlite": SQLITE_FORWARD, "postgres": POSTGRES_FORWARD})


async def drop_change_log(apps, schema_editor) -> None:
    await _run(schema_editor, {"sqlite": SQLITE_BACKWARD, "postgres": POSTGRES_BACKWARD})


class Migration(migrations.Migration):
    dependencies = [("directory", "0005_service_areas"), ("jobs", "0006_origin_metadata")]

    initial = False

    operations = [ops.RunPython(create_change_log, drop_change_log)]
