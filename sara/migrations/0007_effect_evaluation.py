"""Effect and displacement measured for a case's assessment (sara/effect.py)."""

import django.contrib.postgres.fields
import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("sara", "0006_secrecy"),
        ("scenes", "0008_indicator_levels"),
    ]

    operations = [
        migrations.CreateModel(
            name="EffectEvaluation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "measure",
                    models.CharField(
                        choices=[("observations", "Observations"), ("indicator", "An indicator")],
                        max_length=20,
                        verbose_name="what is counted",
                    ),
                ),
                (
                    "categories",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=30),
                        blank=True,
                        default=list,
                        size=None,
                        verbose_name="categories",
                    ),
                ),
                ("buffer_m", models.PositiveIntegerField(verbose_name="buffer width (m)")),
                (
                    "control",
                    models.CharField(
                        choices=[
                            ("scene", "Another scene"),
                            ("municipality", "The rest of the municipality"),
                            ("none", "No control area"),
                        ],
                        max_length=20,
                        verbose_name="control area",
                    ),
                ),
                ("before_start", models.DateField(verbose_name="before, from")),
                ("before_end", models.DateField(verbose_name="before, to")),
                ("after_start", models.DateField(verbose_name="after, from")),
                ("after_end", models.DateField(verbose_name="after, to")),
                ("counts", models.JSONField(verbose_name="counts")),
                ("results", models.JSONField(verbose_name="measures")),
                (
                    "verdict",
                    models.CharField(
                        choices=[
                            ("decrease", "A decrease distinguishable from noise"),
                            ("increase", "An increase distinguishable from noise"),
                            ("unclear", "No change distinguishable from noise"),
                            ("not_computable", "Not computable from the counts"),
                        ],
                        max_length=20,
                        verbose_name="verdict",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "assessment",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="effect_evaluation",
                        to="sara.assessment",
                    ),
                ),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="effect_evaluations",
                        to="sara.case",
                    ),
                ),
                (
                    "control_indicator",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="scenes.indicator",
                    ),
                ),
                (
                    "control_scene",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="scenes.scene",
                    ),
                ),
                (
                    "indicator",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="scenes.indicator",
                    ),
                ),
                (
                    "place",
                    models.ForeignKey(
                        blank=True,
                        help_text="Empty: the whole scene.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="scenes.place",
                        verbose_name="response area",
                    ),
                ),
            ],
            options={
                "verbose_name": "effect evaluation",
                "verbose_name_plural": "effect evaluations",
                "ordering": ["-assessment__assessed_on", "-pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("before_end__gte", models.F("before_start")),
                            ("after_start__gt", models.F("before_end")),
                            ("after_end__gte", models.F("after_start")),
                        ),
                        name="effect_periods_in_order",
                    )
                ],
            },
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="effectevaluation",
            trigger=pgtrigger.compiler.Trigger(
                name="audit",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="PERFORM ods_audit_change(TG_OP, TG_TABLE_NAME, CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE to_jsonb(OLD) - ARRAY['password'] END, CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE to_jsonb(NEW) - ARRAY['password'] END); RETURN NULL;",
                    hash="812f9a8563c3691bfb555cc4bb471762a42ac1e0",
                    operation="INSERT OR UPDATE OR DELETE",
                    pgid="pgtrigger_audit_de19b",
                    table="sara_effectevaluation",
                    when="AFTER",
                ),
            ),
        ),
    ]
