from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('directory', '0004_password_reset'), ('jobs', '0004_status_change_index')]

    initial = False

    operations = [
        ops.CreateModel(
            name='IdempotencyKey',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('directory.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='idempotency_keys', on_delete=OnDelete.CASCADE)),
                ('key', fields.CharField(max_length=200)),
                ('request_hash', fields.CharField(max_length=64)),
                ('job', fields.ForeignKeyField('jobs.Job', source_field='job_id', db_constraint=True, to_field='id', related_name='idempotency_keys', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'idempotency_key', 'app': 'jobs', 'unique_together': (('organization', 'key'),), 'pk_attr': 'id', 'table_description': 'An Idempotency-Key an organization sent with POST /api/jobs and the job it created,'},
            bases=['Model'],
        ),
    ]
