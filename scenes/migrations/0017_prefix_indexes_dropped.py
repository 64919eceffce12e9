# The indexes the index bench found no page needing: each is the leading column of another.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("scenes", "0016_observation_day_kept_by"),
    ]

    # The scene's own index of each table is the first column of another index or key of it.
    # Only the index is dropped: Django's own AlterField would also drop the foreign key
    # and add it again, which checks every row of the table (10 M observations) under lock.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="observation",
                    name="scene",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="observations",
                        to="scenes.scene",
                    ),
                ),
                migrations.AlterField(
                    model_name="observationday",
                    name="scene",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="scenes.scene",
                    ),
                ),
                migrations.AlterField(
                    model_name="observationdaycell",
                    name="scene",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="scenes.scene",
                    ),
                ),
                migrations.AlterField(
                    model_name="observationrollup",
                    name="scene",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="scenes.scene",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "scenes_observation_scene_id_92afb6a7"',
                    reverse_sql='CREATE INDEX IF NOT EXISTS "scenes_observation_scene_id_92afb6a7" ON "scenes_observation" ("scene_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "scenes_observationday_scene_id_aaea8b05"',
                    reverse_sql='CREATE INDEX IF NOT EXISTS "scenes_observationday_scene_id_aaea8b05" ON "scenes_observationday" ("scene_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "scenes_observationdaycell_scene_id_2135aa75"',
                    reverse_sql='CREATE INDEX IF NOT EXISTS "scenes_observationdaycell_scene_id_2135aa75" ON "scenes_observationdaycell" ("scene_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "scenes_observationrollup_scene_id_0608c8ef"',
                    reverse_sql='CREATE INDEX IF NOT EXISTS "scenes_observationrollup_scene_id_0608c8ef" ON "scenes_observationrollup" ("scene_id")',
                ),
            ],
        ),
    ]
