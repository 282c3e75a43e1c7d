from tortoise import migrations
from tortoise.migrations import operations as ops
from alerts.models import AlertState, Frequency
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Alert',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('email', fields.CharField(db_index=True, max_length=320)),
                ('query', fields.CharField(max_length=2000)),
                ('frequency', fields.CharEnumField(description='IMMEDIATE: immediate\nDAILY: daily\nWEEKLY: weekly', enum_type=Frequency, max_length=10)),
                ('language', fields.CharField(max_length=8)),
                ('state', fields.CharEnumField(default=AlertState.UNCONFIRMED, description='UNCONFIRMED: unconfirmed\nACTIVE: active\nPAUSED: paused', enum_type=AlertState, max_length=12)),
                ('confirm_token_hash', fields.CharField(null=True, unique=True, max_length=64)),
                ('confirm_expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('since', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('next_run_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('last_mail_id', fields.BigIntField(null=True)),
            ],
            options={'table': 'alerts_alert', 'app': 'alerts', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AlertSentJob',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('alert', fields.ForeignKeyField('alerts.Alert', source_field='alert_id', db_constraint=True, to_field='id', related_name='sent_jobs', on_delete=OnDelete.CASCADE)),
                ('job_id', fields.IntField()),
            ],
            options={'table': 'alerts_sent_job', 'app': 'alerts', 'unique_together': (('alert', 'job_id'),), 'pk_attr': 'id', 'table_description': 'A job an alert has mailed: never mailed by that alert again.'},
            bases=['Model'],
        ),
    ]
