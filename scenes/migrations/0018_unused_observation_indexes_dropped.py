# Two indexes of the observations no scan used in a whole `make bench` (pg_stat_user_indexes).

import django.contrib.gis.db.models.fields
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("scenes", "0017_prefix_indexes_dropped"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="observation",
            name="observation_kept_scene_time",
        ),
        migrations.AlterField(
            model_name="observation",
            name="location",
            field=django.contrib.gis.db.models.fields.PointField(
                spatial_index=False, srid=4326, verbose_name="location"
            ),
        ),
    ]
