from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='ActorKey',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('actor', fields.CharField(unique=True, max_length=80)),
                ('public_pem', fields.TextField(unique=False)),
                ('private_encrypted', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'ap_actor_key', 'app': 'activitypub', 'pk_attr': 'id', 'table_description': 'The RSA key pair of one actor, the private key encrypted with the site secret key.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BlockedDomain',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('domain', fields.CharField(unique=True, max_length=253)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'ap_blocked_domain', 'app': 'activitypub', 'pk_attr': 'id', 'table_description': 'A server whose deliveries we refuse and to which we send nothing.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Delivery',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('actor', fields.CharField(max_length=80)),
                ('inbox', fields.CharField(db_index=True, max_length=1000)),
                ('activity', fields.TextField(unique=False)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('claimed_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('delivered_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('gave_up_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'ap_delivery', 'app': 'activitypub', 'pk_attr': 'id', 'table_description': 'One activity to POST to one inbox: a work queue item (see core.work_queue).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Follower',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('actor', fields.CharField(db_index=True, max_length=80)),
                ('follower_id', fields.CharField(max_length=1000)),
                ('inbox', fields.CharField(max_length=1000)),
                ('shared_inbox', fields.CharField(default='', max_length=1000)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'ap_follower', 'app': 'activitypub', 'unique_together': (('actor', 'follower_id'),), 'pk_attr': 'id', 'table_description': 'A remote actor that follows one of ours, and where to deliver to it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PublishedJob',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('job_id', fields.IntField(unique=True)),
                ('fingerprint', fields.CharField(max_length=64)),
                ('deleted', fields.BooleanField(default=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'ap_published_job', 'app': 'activitypub', 'pk_attr': 'id', 'table_description': 'What followers were last sent of one job: the fingerprint of its Note, or that it was'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RemoteKey',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key_id', fields.CharField(unique=True, max_length=1000)),
                ('owner', fields.CharField(max_length=1000)),
                ('public_pem', fields.TextField(unique=False)),
                ('fetched_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'ap_remote_key', 'app': 'activitypub', 'pk_attr': 'id', 'table_description': 'The public key of a remote actor, cached after it was fetched to check a signature.'},
            bases=['Model'],
        ),
    ]
