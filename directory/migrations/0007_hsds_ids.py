"""Each organization's HSDS ids (its own, its service's, its service at its location's) in
columns of their own, unique and so indexed.

The id is derived from how feeds name the organization, which for this instance's members is
their page under the configured base URL; migrations do not know that URL, so the column is
filled by the HSDS module (hsds.shapes.store_hsds_ids) when the site starts and for any row
still without one before the HSDS API answers.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("directory", "0006_email_verification")]

    initial = False

    operations = [
        *(
            ops.AddField(
                model_name="Organization",
                name=name,
                field=fields.CharField(null=True, unique=True, max_length=36),
            )
            for name in ("hsds_id", "hsds_service_id", "hsds_service_at_location_id")
        ),
    ]
