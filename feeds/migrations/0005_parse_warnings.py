from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('feeds', '0004_drop_feed_state')]

    initial = False

    operations = [
        ops.AddField(
            model_name='FeedSubscription',
            name='parse_warnings',
            field=fields.TextField(default='', unique=False),
        ),
    ]
