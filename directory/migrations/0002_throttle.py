from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('directory', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Throttle',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(unique=True, max_length=64)),
                ('hits', fields.IntField(default=0)),
                ('window_ends', fields.BigIntField(db_index=True)),
            ],
            options={'table': 'throttle', 'app': 'directory', 'pk_attr': 'id', 'table_description': 'Attempts at one rate-limited action by one subject (an e-mail, a client address) in the'},
            bases=['Model'],
        ),
        ops.DeleteModel(name='SignInThrottle'),
    ]
