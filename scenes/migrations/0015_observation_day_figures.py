"""The daily rollup also counts sources, organisations, sub-places and insecurity ratings, so
that a lägesbild reads its past days from it (issue 15). The trigger now also marks a day when
those columns change. The rollup is made again at the next refresh: until then every figure
comes from the observations, as before the first refresh."""

from django.contrib.postgres.fields import ArrayField
from django.db import migrations, models

TRIGGER = """
DROP TRIGGER IF EXISTS scenes_observation_day_stale ON scenes_observation;
CREATE TRIGGER scenes_observation_day_stale
AFTER INSERT OR DELETE OR UPDATE OF scene_id, occurred_at, restricted, duplicate_of_id,
    category, affected_groups, location{more}
ON scenes_observation FOR EACH ROW EXECUTE FUNCTION scenes_observation_day_stale();
"""


class Migration(migrations.Migration):
    dependencies = [("scenes", "0014_observation_created")]

    operations = [
        migrations.AddField(
            model_name="observationday",
            name="sources",
            field=models.JSONField(default=dict),
        ),
        migrations.AddField(
            model_name="observationday",
            name="organisations",
            field=models.JSONField(default=dict),
        ),
        migrations.AddField(
            model_name="observationday",
            name="places",
            field=models.JSONField(default=dict),
        ),
        migrations.AddField(
            model_name="observationday",
            name="insecurity",
            field=ArrayField(models.IntegerField(), default=list, size=5),
        ),
        migrations.RunSQL(
            TRIGGER.format(more=", source, organisation_id, place_id, insecurity"),
            TRIGGER.format(more=""),
        ),
        # The rows made before lack the new counts: the next refresh makes them all again.
        migrations.RunSQL(
            "UPDATE scenes_observationdaystate SET through = NULL, cell_m = NULL",
            migrations.RunSQL.noop,
        ),
    ]
