from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('directory', '0002_throttle')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Account',
            name='session_generation',
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name='ApiToken',
            name='expires_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.RemoveField(model_name='ApiToken', name='scopes'),
    ]
