"""Full-text index over Job.search_title / Job.search_body.

The terms in those columns come from core.search_terms (one normalizer for every backend), so
each database only has to split on spaces:
- SQLite: an FTS5 external-content table kept in step by triggers. The "ascii" tokenizer keeps
  every non-ASCII character inside its token, so its tokens are exactly our terms (CJK bigrams
  included).
- PostgreSQL: a stored generated tsvector (title weighted A, body B) with a GIN index, built by
  reading the terms as tsvector lexemes rather than through to_tsvector(): PostgreSQL's parser
  splits and lower-cases some scripts differently from Python, and a lexeme never contains the
  tsvector syntax characters (quote, colon, backslash, space) because a term is word characters.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

SEARCH_COLUMNS = (
    "organization_id, valid_through, country, region, employment_type, category, work_mode, "
    "language, salary_min, salary_max"
)
SQLITE_FORWARD = (
    "CREATE VIRTUAL TABLE job_fts USING fts5("
    "search_title, search_body, content='job', content_rowid='id', tokenize='ascii')",
    "CREATE TRIGGER job_fts_after_insert AFTER INSERT ON job BEGIN "
    "INSERT INTO job_fts(rowid, search_title, search_body) "
    "VALUES (new.id, new.search_title, new.search_body); END",
    "CREATE TRIGGER job_fts_after_delete AFTER DELETE ON job BEGIN "
    "INSERT INTO job_fts(job_fts, rowid, search_title, search_body) "
    "VALUES ('delete', old.id, old.search_title, old.search_body); END",
    "CREATE TRIGGER job_fts_after_update AFTER UPDATE OF search_title, search_body ON job BEGIN "
    "INSERT INTO job_fts(job_fts, rowid, search_title, search_body) "
    "VALUES ('delete', old.id, old.search_title, old.search_body); "
    "INSERT INTO job_fts(rowid, search_title, search_body) "
    "VALUES (new.id, new.search_title, new.search_body); END",
    "INSERT INTO job_fts(job_fts) VALUES ('rebuild')",
    # Covering indexes: search reads only these columns, and a job row is wide (its
    # description and search terms), so looking matches up here instead of in the table
    # keeps filters, facets and sorts off the row pages. By id: for full-text hits; by
    # status and date: for searches without words, newest first.
    f"CREATE INDEX job_search_by_id ON job (id, status, posted_at, {SEARCH_COLUMNS})",
    f"CREATE INDEX job_search_by_status ON job (status, posted_at, id, {SEARCH_COLUMNS})",
)
SQLITE_BACKWARD = (
    "DROP INDEX IF EXISTS job_search_by_status",
    "DROP INDEX IF EXISTS job_search_by_id",
    "DROP TRIGGER IF EXISTS job_fts_after_update",
    "DROP TRIGGER IF EXISTS job_fts_after_delete",
    "DROP TRIGGER IF EXISTS job_fts_after_insert",
    "DROP TABLE IF EXISTS job_fts",
)
POSTGRES_FORWARD = (
    # Title terms at position 1 with weight A, body terms at position 2 with weight B.
    "ALTER TABLE job ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (("
    "regexp_replace(search_title, '(\\S+)', '\\1:1A', 'g') || ' ' || "
    "regexp_replace(search_body, '(\\S+)', '\\1:2B', 'g'))::tsvector) STORED",
    "CREATE INDEX job_search_vector_gin ON job USING GIN (search_vector)",
)
POSTGRES_BACKWARD = (
    "DROP INDEX IF EXISTS job_search_vector_gin",
    "ALTER TABLE job DROP COLUMN IF EXISTS search_vector",
)


async def _run(schema_editor, statements_by_dialect: dict[str, tuple[str, ...]]) -> None:
    client = schema_editor.client
    for statement in statements_by_dialect[client.capabilities.dialect]:
        await client.execute_script(statement)


async def create_search_index(apps, schema_editor) -> None:
    await _run(schema_editor, {"sqlite": SQLITE_FORWARD, "postgres": POSTGRES_FORWARD})


async def drop_search_index(apps, schema_editor) -> None:
    await _run(schema_editor, {"sqlite": SQLITE_BACKWARD, "postgres": POSTGRES_BACKWARD})


class Migration(migrations.Migration):
    dependencies = [("jobs", "0001_initial")]

    operations = [
        ops.RunPython(create_search_index, drop_search_index),
    ]
