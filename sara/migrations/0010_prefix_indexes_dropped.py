# The indexes the index bench found no page needing: each is the leading column of another.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("actors", "0003_sign_on"),
        ("sara", "0009_case_scene_updated"),
        ("scenes", "0017_prefix_indexes_dropped"),
    ]

    # The responsible organisation's and the scene's own indexes are the first column of another.
    # Only the index is dropped: Django's own AlterField would also drop the foreign key
    # and add it again, which checks every row of the table (10 M observations) under lock.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="action",
                    name="responsible",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="actions",
                        to="actors.organisation",
                        verbose_name="responsible organisation",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="scene",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="scenes.scene",
                        verbose_name="scene",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "sara_action_responsible_id_6379d189"',
                    reverse_sql='CREATE INDEX IF NOT EXISTS "sara_action_responsible_id_6379d189" ON "sara_action" ("responsible_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "sara_case_scene_id_119b78fa"',
                    reverse_sql='CREATE INDEX IF NOT EXISTS "sara_case_scene_id_119b78fa" ON "sara_case" ("scene_id")',
                ),
            ],
        ),
    ]
