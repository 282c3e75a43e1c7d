"""Court systems by jurisdiction where a member's differ (federal cases from the whole
country, state cases from one state only)."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("directory", "0007_hsds_ids")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Organization",
            name="court_areas",
            field=fields.CharField(default="", max_length=1000),
        ),
    ]
