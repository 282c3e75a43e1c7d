from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('alerts', '0002_run_lease')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Alert',
            name='claimed_by',
            field=fields.CharField(null=True, max_length=64),
        ),
    ]
