"""Jobs indexed by organization, status and last change: the member dashboard's groups.

The dashboard pages each group of an organization's jobs (published or pending review,
drafts, ended) latest change first, with a count per group. Without this index the database
finds an organization's jobs through the index by status, reading every job of that status
on the network; with it, only the rows of the page asked for.
"""

from importlib import import_module

from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

# Migration modules' names start with a digit: imported by name.
_status_index = import_module("jobs.migrations.0004_status_change_index")


class Migration(migrations.Migration):
    dependencies = [("jobs", "0008_drop_database_fulltext")]

    initial = False

    operations = [
        ops.AddIndex(
            model_name="Job", index=Index(fields=["organization_id", "status", "updated_at"])
        ),
        ops.RunPython(_status_index.analyze_if_analyzed, ops.RunPython.noop),
    ]
