from tortoise import migrations
from tortoise.migrations import operations as ops
from mail.models import MailState
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='MailOptOut',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('recipient', fields.CharField(max_length=320)),
                ('kind', fields.CharField(max_length=40)),
            ],
            options={'table': 'mail_opt_out', 'app': 'mail', 'unique_together': (('recipient', 'kind'),), 'pk_attr': 'id', 'table_description': "A kind of mail a recipient turned off (their account's mail preferences)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OutboxMessage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=40)),
                ('recipient', fields.CharField(max_length=320)),
                ('subject', fields.CharField(max_length=300)),
                ('text_body', fields.TextField(unique=False)),
                ('html_body', fields.TextField(default='', unique=False)),
                ('unsubscribe_url', fields.CharField(default='', max_length=1000)),
                ('once_key', fields.CharField(null=True, unique=True, max_length=200)),
                ('message_id', fields.CharField(unique=True, max_length=200)),
                ('state', fields.CharEnumField(default=MailState.PENDING, description='PENDING: pending\nSENT: sent\nFAILED: failed', enum_type=MailState, max_length=10)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('next_attempt_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('claimed_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('attempts', fields.IntField(default=0)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.CharField(default='', max_length=500)),
                ('failure_code', fields.IntField(null=True)),
            ],
            options={'table': 'mail_outbox', 'app': 'mail', 'indexes': [Index(fields=['state', 'next_attempt_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
