from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('directory', '0005_service_areas')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Account',
            name='email_verified_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Account',
            name='language',
            field=fields.CharField(default='en', max_length=8),
        ),
        # Accounts made before addresses were verified have been receiving mail at them:
        # they count as verified since they were created, so their notices keep coming.
        ops.RunSQL(
            "UPDATE account SET email_verified_at = created_at",
            reverse_sql="SELECT 1",
        ),
        ops.CreateModel(
            name='EmailVerification',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('directory.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='email_verifications', on_delete=OnDelete.CASCADE)),
                ('email', fields.CharField(max_length=254)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'email_verification', 'app': 'directory', 'pk_attr': 'id', 'table_description': 'A link proving that an account receives mail at `email`: a new account\'s address, or the address it asked to change to (the change takes effect only when it is followed). Works once, before it expires. Only its hash is kept.'},
            bases=['Model'],
        ),
    ]
