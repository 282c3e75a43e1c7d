from tortoise import migrations
from tortoise.migrations import operations as ops
from feeds.models import SubscriptionKind, SubscriptionStatus
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('directory', '0001_initial'), ('feeds', '0002_change_counter_triggers')]

    initial = False

    operations = [
        ops.CreateModel(
            name='FeedSubscription',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('url', fields.CharField(unique=True, max_length=1000)),
                ('site_url', fields.CharField(default='', max_length=1000)),
                ('name', fields.CharField(default='', max_length=200)),
                ('network', fields.CharField(default='', max_length=200)),
                ('kind', fields.CharEnumField(default=SubscriptionKind.JOBS, description='JOBS: jobs\nDIRECTORY: directory', enum_type=SubscriptionKind, max_length=16)),
                ('status', fields.CharEnumField(default=SubscriptionStatus.ACTIVE, db_index=True, description='ACTIVE: active\nPAUSED: paused\nDISABLED: disabled', enum_type=SubscriptionStatus, max_length=20)),
                ('organization', fields.ForeignKeyField('directory.Organization', source_field='organization_id', null=True, db_constraint=True, to_field='id', related_name='feed_subscriptions', on_delete=OnDelete.CASCADE)),
                ('etag', fields.CharField(default='', max_length=500)),
                ('last_modified', fields.CharField(default='', max_length=100)),
                ('body_hash', fields.CharField(default='', max_length=64)),
                ('next_poll_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('lease_owner', fields.CharField(default='', max_length=100)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_fetched_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_success_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_status', fields.IntField(null=True)),
                ('consecutive_failures', fields.IntField(default=0)),
                ('last_error', fields.TextField(default='', unique=False)),
                ('items_imported_total', fields.IntField(default=0)),
                ('items_imported_last', fields.IntField(default=0)),
                ('hub_url', fields.CharField(default='', max_length=1000)),
                ('hub_secret', fields.CharField(default='', max_length=200)),
                ('hub_lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'feed_subscription', 'app': 'feeds', 'pk_attr': 'id', 'table_description': 'A feed imported by the aggregator, with what its last fetches saw (its health).'},
            bases=['Model'],
        ),
    ]
