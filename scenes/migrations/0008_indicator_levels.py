"""Indicators per scene or municipality, with whether lower is better and a fixed period
(month, quarter or year); values with their source, who entered them and from which file.

Existing indicators stay scene indicators. Their period is read from their values: monthly
when every value covers one calendar month, else quarterly or yearly likewise, else "other"
(any dates, as before); an indicator without values becomes monthly."""

from datetime import date, timedelta

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MONTHS = {"month": 1, "quarter": 3, "year": 12}


def _whole(kind, start, end):
    months = MONTHS[kind]
    if start.day != 1 or (start.month - 1) % months:
        return False
    index = start.year * 12 + start.month - 1 + months
    return end == date(index // 12, index % 12 + 1, 1) - timedelta(days=1)


def infer_periods(apps, schema_editor):
    Indicator = apps.get_model("scenes", "Indicator")
    IndicatorValue = apps.get_model("scenes", "IndicatorValue")
    for indicator in Indicator.objects.all():
        periods = list(
            IndicatorValue.objects.filter(indicator=indicator).values_list(
                "period_start", "period_end"
            )
        )
        kind = "month" if not periods else "other"
        for candidate in ("month", "quarter", "year"):
            if periods and all(_whole(candidate, s, e) for s, e in periods):
                kind = candidate
                break
        Indicator.objects.filter(pk=indicator.pk).update(period=kind)


class Migration(migrations.Migration):
    dependencies = [
        ("actors", "0002_audit_triggers"),
        ("scenes", "0007_observation_time_plausible"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="indicator",
            name="level",
            field=models.CharField(
                choices=[("scene", "Scene"), ("municipality", "Municipality")],
                default="scene",
                max_length=20,
                verbose_name="level",
            ),
        ),
        migrations.AddField(
            model_name="indicator",
            name="lower_is_better",
            field=models.BooleanField(
                default=True,
                help_text="Yes for crimes and incidents; no for, say, the share who feel safe.",
                verbose_name="lower is better",
            ),
        ),
        migrations.AddField(
            model_name="indicator",
            name="municipality",
            field=models.ForeignKey(
                blank=True,
                limit_choices_to={"kind": "kommun"},
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="indicators",
                to="actors.organisation",
                verbose_name="municipality",
            ),
        ),
        migrations.AddField(
            model_name="indicator",
            name="period",
            field=models.CharField(
                choices=[
                    ("month", "Month"),
                    ("quarter", "Quarter"),
                    ("year", "Year"),
                    ("other", "Other (any dates)"),
                ],
                default="other",
                max_length=10,
                verbose_name="values per",
            ),
        ),
        migrations.RunPython(infer_periods, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="indicator",
            name="period",
            field=models.CharField(
                choices=[
                    ("month", "Month"),
                    ("quarter", "Quarter"),
                    ("year", "Year"),
                    ("other", "Other (any dates)"),
                ],
                default="month",
                max_length=10,
                verbose_name="values per",
            ),
        ),
        migrations.AddField(
            model_name="indicatorvalue",
            name="entered_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="entered by",
            ),
        ),
        migrations.AddField(
            model_name="indicatorvalue",
            name="imported_from",
            field=models.CharField(
                blank=True,
                help_text="Empty: typed in.",
                max_length=200,
                verbose_name="imported from file",
            ),
        ),
        migrations.AddField(
            model_name="indicatorvalue",
            name="source",
            field=models.CharField(
                blank=True,
                help_text="Where the figure comes from.",
                max_length=300,
                verbose_name="source",
            ),
        ),
        migrations.AlterField(
            model_name="indicator",
            name="scene",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="indicators",
                to="scenes.scene",
            ),
        ),
        migrations.AddConstraint(
            model_name="indicator",
            constraint=models.UniqueConstraint(
                condition=models.Q(("level", "municipality")),
                fields=("municipality", "name"),
                name="indicator_name_unique_in_municipality",
                violation_error_message="The municipality already has an indicator by that name.",
            ),
        ),
        migrations.AddConstraint(
            model_name="indicator",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("level", "scene"), ("municipality__isnull", True), ("scene__isnull", False)
                    ),
                    models.Q(
                        ("level", "municipality"),
                        ("municipality__isnull", False),
                        ("scene__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="indicator_level_matches_place",
                violation_error_message="A scene's indicator belongs to a scene; a municipality's to a municipality.",
            ),
        ),
    ]
