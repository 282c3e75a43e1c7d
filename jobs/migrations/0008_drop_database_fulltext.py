"""Drop the databases' own full-text indexes (migration 0002) and the triggers feeding them.

Searching is done by the search index (jobs.search.fulltext, fed through the change log of
migration 0007), deletion marks included, so the SQLite FTS5 table with its three triggers and
PostgreSQL's generated tsvector column with its GIN index were work paid on every job write for
nothing. The search_title and search_body columns stay: the search index is built from them.
Going back rebuilds both from those columns, as 0002 did.

It also adds search_change_checkpoint: the log's newest sequence number noted at a moment, so
that changes can be pruned by age without a timestamp on every logged row
(jobs.search.fulltext.prune_change_log).
"""

from importlib import import_module

from tortoise import migrations
from tortoise.migrations import operations as ops

# Migration modules' names start with a digit: imported by name.
_initial = import_module("jobs.migrations.0002_search_index")


# taken_at: microseconds since the epoch, as the search index keeps moments.
CHECKPOINTS = "CREATE TABLE search_change_checkpoint (seq BIGINT NOT NULL, taken_at BIGINT NOT NULL)"


async def drop_database_fulltext(apps, schema_editor) -> None:
    await _initial.drop_search_index(apps, schema_editor)
    await schema_editor.client.execute_script(CHECKPOINTS)


async def restore_database_fulltext(apps, schema_editor) -> None:
    await schema_editor.client.execute_script("DROP TABLE IF EXISTS search_change_checkpoint")
    await _initial.create_search_index(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("jobs", "0007_search_change_log")]

    initial = False

    operations = [ops.RunPython(drop_database_fulltext, restore_database_fulltext)]
