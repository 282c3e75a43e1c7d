"""Feeds read the jobs data generation (jobs migration 0003) instead of a counter of their own:
the two counted the same writes with the same triggers."""

import importlib

from tortoise import migrations
from tortoise.migrations import operations as ops

_counter = importlib.import_module("feeds.migrations.0002_change_counter_triggers")


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0001_initial"),
        ("jobs", "0003_data_generation"),
        ("feeds", "0003_auto_20261123_1212"),
    ]

    initial = False

    operations = [
        ops.RunPython(_counter.drop_triggers, _counter.create_triggers),
        ops.DeleteModel(name="FeedState"),
    ]
