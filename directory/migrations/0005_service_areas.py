from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('directory', '0004_password_reset')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Organization',
            name='accepting_applications',
            field=fields.BooleanField(default=True),
        ),
        ops.AddField(
            model_name='Organization',
            name='apply_email',
            field=fields.CharField(default='', max_length=254),
        ),
        ops.AddField(
            model_name='Organization',
            name='apply_phone',
            field=fields.CharField(default='', max_length=40),
        ),
        ops.AddField(
            model_name='Organization',
            name='apply_postal_address',
            field=fields.TextField(default='', unique=False),
        ),
        ops.AddField(
            model_name='Organization',
            name='apply_url',
            field=fields.CharField(default='', max_length=500),
        ),
        ops.AddField(
            model_name='Organization',
            name='case_types',
            field=fields.CharField(default='', max_length=200),
        ),
        ops.AddField(
            model_name='Organization',
            name='court_systems',
            field=fields.CharField(default='', max_length=100),
        ),
        ops.AddField(
            model_name='Organization',
            name='eligibility',
            field=fields.TextField(default='', unique=False),
        ),
        ops.AddField(
            model_name='Organization',
            name='in_custody_only',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='Organization',
            name='minimum_sentence_years',
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name='Organization',
            name='parent_organization',
            field=fields.ForeignKeyField('directory.Organization', source_field='parent_organization_id', null=True, db_constraint=True, to_field='id', related_name='child_organizations', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='Organization',
            name='screening_organization',
            field=fields.ForeignKeyField('directory.Organization', source_field='screening_organization_id', null=True, db_constraint=True, to_field='id', related_name='screened_members', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='Organization',
            name='service_areas',
            field=fields.CharField(default='', max_length=1000),
        ),
    ]
