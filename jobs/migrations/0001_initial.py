from tortoise import migrations
from tortoise.migrations import operations as ops
from jobs.models import Category, EmploymentType, JobStatus, SalaryUnit, WorkMode
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    initial = True
    # Job refers to directory.Organization and directory.Account.
    dependencies = [("directory", "0001_initial")]

    operations = [
        ops.CreateModel(
            name='Job',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('uid', fields.CharField(unique=True, max_length=200)),
                ('slug', fields.CharField(unique=True, max_length=120)),
                ('organization', fields.ForeignKeyField('directory.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='jobs', on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(max_length=200)),
                ('description_markdown', fields.TextField(default='', unique=False)),
                ('description_html', fields.TextField(default='', unique=False)),
                ('employment_type', fields.CharEnumField(db_index=True, description='FULL_TIME: FULL_TIME\nPART_TIME: PART_TIME\nCONTRACTOR: CONTRACTOR\nTEMPORARY: TEMPORARY\nINTERN: INTERN\nVOLUNTEER: VOLUNTEER\nPER_DIEM: PER_DIEM\nOTHER: OTHER', enum_type=EmploymentType, max_length=16)),
                ('category', fields.CharEnumField(db_index=True, description='ATTORNEY: attorney\nINVESTIGATOR: investigator\nPARALEGAL: paralegal\nPOLICY: policy\nDEVELOPMENT: development\nCOMMUNICATIONS: communications\nADMINISTRATION: administration\nSOCIAL_WORK: social_work\nFELLOWSHIP: fellowship\nFORENSIC_SCIENCE: forensic_science\nOTHER: other', enum_type=Category, max_length=32)),
                ('language', fields.CharField(db_index=True, max_length=35)),
                ('city', fields.CharField(default='', max_length=100)),
                ('region', fields.CharField(default='', max_length=100)),
                ('country', fields.CharField(default='', db_index=True, max_length=2)),
                ('work_mode', fields.CharEnumField(db_index=True, description='ONSITE: onsite\nHYBRID: hybrid\nREMOTE: remote', enum_type=WorkMode, max_length=8)),
                ('remote_countries', fields.CharField(default='', max_length=800)),
                ('salary_min', fields.DecimalField(null=True, max_digits=12, decimal_places=2)),
                ('salary_max', fields.DecimalField(null=True, max_digits=12, decimal_places=2)),
                ('salary_currency', fields.CharField(default='', max_length=3)),
                ('salary_unit', fields.CharEnumField(null=True, description='HOUR: HOUR\nDAY: DAY\nWEEK: WEEK\nMONTH: MONTH\nYEAR: YEAR', enum_type=SalaryUnit, max_length=8)),
                ('salary_note', fields.CharField(default='', max_length=300)),
                ('apply_url', fields.CharField(default='', max_length=1000)),
                ('apply_email', fields.CharField(default='', max_length=254)),
                ('apply_instructions', fields.TextField(default='', unique=False)),
                ('valid_through', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('status', fields.CharEnumField(db_index=True, description='DRAFT: draft\nPENDING_REVIEW: pending_review\nPUBLISHED: published\nFILLED: filled\nCLOSED: closed\nEXPIRED: expired\nREMOVED: removed', enum_type=JobStatus, max_length=16)),
                ('status_reason', fields.TextField(default='', unique=False)),
                ('posted_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('status_changed_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('created_by', fields.ForeignKeyField('directory.Account', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='jobs', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(db_index=True, auto_now=True, auto_now_add=False)),
                ('search_title', fields.TextField(default='', unique=False)),
                ('search_body', fields.TextField(default='', unique=False)),
                ('source_feed_url', fields.CharField(default='', db_index=True, max_length=1000)),
                ('source_name', fields.CharField(default='', max_length=200)),
                ('origin_url', fields.CharField(default='', max_length=1000)),
            ],
            options={'table': 'job', 'app': 'jobs', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
