from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('jobs', '0005_idempotency_key')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Job',
            name='origin_updated_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Job',
            name='source_id',
            field=fields.CharField(default='', max_length=1000),
        ),
        ops.AddField(
            model_name='Job',
            name='source_link',
            field=fields.CharField(default='', max_length=1000),
        ),
        ops.AddField(
            model_name='Job',
            name='source_title',
            field=fields.CharField(default='', max_length=500),
        ),
        ops.AddField(
            model_name='Job',
            name='source_updated_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
