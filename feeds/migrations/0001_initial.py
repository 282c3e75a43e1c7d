from tortoise import migrations
from tortoise.migrations import operations as ops
from feeds.models import HubMode
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='FeedState',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('generation', fields.BigIntField(default=0)),
            ],
            options={'table': 'feed_state', 'app': 'feeds', 'pk_attr': 'id', 'table_description': 'One row: a counter bumped by every write to a job or an organization.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='HubIntent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('mode', fields.CharEnumField(description='SUBSCRIBE: subscribe\nUNSUBSCRIBE: unsubscribe', enum_type=HubMode, max_length=12)),
                ('topic', fields.CharField(max_length=2000)),
                ('callback', fields.CharField(max_length=2000)),
                ('secret', fields.CharField(default='', max_length=200)),
                ('lease_seconds', fields.IntField()),
                ('claimed_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'hub_intent', 'app': 'feeds', 'pk_attr': 'id', 'table_description': 'A subscribe or unsubscribe request waiting for the verification of intent.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='HubSubscription',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(unique=True, max_length=64)),
                ('topic', fields.CharField(max_length=2000)),
                ('callback', fields.CharField(max_length=2000)),
                ('secret', fields.CharField(default='', max_length=200)),
                ('lease_seconds', fields.IntField()),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('delivered_etag', fields.CharField(default='', max_length=100)),
                ('last_error', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'hub_subscription', 'app': 'feeds', 'pk_attr': 'id', 'table_description': 'A verified subscription: the topic content is pushed to the callback until expiry.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='HubDelivery',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('subscription', fields.OneToOneField('feeds.HubSubscription', source_field='subscription_id', db_constraint=True, to_field='id', related_name='delivery', on_delete=OnDelete.CASCADE)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('claimed_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'hub_delivery', 'app': 'feeds', 'pk_attr': 'id', 'table_description': 'A queued content distribution, rendered when it is sent so that it is current.'},
            bases=['Model'],
        ),
            # The single change counter row that every process reads and bumps.
        ops.RunSQL(
            "INSERT INTO feed_state (id, generation) VALUES (1, 0)",
            reverse_sql="DELETE FROM feed_state WHERE id = 1",
        ),
    ]
