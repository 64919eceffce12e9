"""Problem-oriented work with the SARA model: cases, analyses, the method catalogue, actions.

A case belongs to a scene and is owned by one team organisation. It moves through Scanning,
Analysis, Response and Assessment to Closed; every move is a recorded event. Actions are owned
by the organisations on the scene's team, whose staff post dated updates.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actors.models import Organisation
from audit.triggers import audited
from ods_platform.lib.personnummer import contains_identity_number
from ods_platform.lib.plain import PlainInput
from scenes.models import (
    PERSONAL_DATA_MESSAGE,
    Indicator,
    Observation,
    Place,
    Scene,
    ShownTextGuard,
)

from . import catalogue
from .permissions import (
    ActionChildQuerySet,
    ActionQuerySet,
    ActionUpdateQuerySet,
    AnalysisQuerySet,
    AssessmentQuerySet,
    CaseChildQuerySet,
    CaseQuerySet,
    MethodQuerySet,
    PhaseChangeQuerySet,
)

TECHNIQUE_CHOICES = [(code, name) for code, _group, name in catalogue.TECHNIQUES]


def _no_identity_numbers(instance, *fields):
    """Free text is about places and groups: refuse a personal identity number in it."""
    errors = {
        name: PERSONAL_DATA_MESSAGE
        for name in fields
        if getattr(instance, name) and contains_identity_number(getattr(instance, name))
    }
    if errors:
        raise ValidationError(errors)


class Method(PlainInput, models.Model):
    """A method in the catalogue: situational (the place) or social (the individual)."""

    class Kind(models.TextChoices):
        SITUATIONAL = "situational", _("Situational prevention")
        SOCIAL = "social", _("Social prevention")

    slug = models.SlugField(_("key"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"))
    lead_kinds = ArrayField(
        models.CharField(max_length=20, choices=Organisation.Kind.choices),
        verbose_name=_("usually led by"),
        default=list,
        blank=True,
    )
    techniques = ArrayField(
        models.CharField(max_length=30, choices=TECHNIQUE_CHOICES),
        verbose_name=_("situational prevention techniques"),
        default=list,
        blank=True,
    )
    source_checked = models.BooleanField(
        _("checked against a source"),
        default=False,
        help_text=_("Whether the description has been checked against a source."),
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    # True while the method holds what the catalogue (sara/catalogue.py) gave it, so that
    # `load_reference_data` may update it; False once edited in the platform; None when not
    # yet known (methods from before this was recorded).
    catalogue_managed = models.BooleanField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MethodQuerySet.as_manager()

    class Meta:
        triggers = [audited()]
        verbose_name = _("method")
        verbose_name_plural = _("methods")
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name

    def lead_kind_labels(self) -> list[str]:
        return [str(Organisation.Kind(k).label) for k in self.lead_kinds]

    def technique_labels(self) -> list[str]:
        names = dict(TECHNIQUE_CHOICES)
        return [names.get(code, code) for code in self.techniques]

    def techniques_by_group(self) -> list[tuple[str, list[str]]]:
        """The method's techniques under their group's name, in the catalogue's order."""
        names = dict(TECHNIQUE_CHOICES)
        return [
            (group_name, [names[c] for c, g, _n in catalogue.TECHNIQUES
                          if g == group and c in self.techniques])
            for group, group_name in catalogue.TECHNIQUE_GROUPS
            if any(catalogue.technique_group(c) == group for c in self.techniques)
        ]  # fmt: skip


class Phase(models.TextChoices):
    SCANNING = "scanning", _("Scanning")
    ANALYSIS = "analysis", _("Analysis")
    RESPONSE = "response", _("Response")
    ASSESSMENT = "assessment", _("Assessment")
    CLOSED = "closed", _("Closed")


PHASE_ORDER = list(Phase.values)


class Case(PlainInput, models.Model):
    """One specific, precisely defined, recurring problem at a scene, and the work on it."""

    # No index of its own: case_scene_updated (scene, -updated_at, -id) starts with it.
    scene = models.ForeignKey(
        Scene,
        verbose_name=_("scene"),
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    places = models.ManyToManyField(
        Place, verbose_name=_("sub-places"), blank=True, related_name="cases"
    )
    owner = models.ForeignKey(
        Organisation,
        verbose_name=_("owner organisation"),
        on_delete=models.PROTECT,
        related_name="owned_cases",
    )
    title = models.CharField(_("title"), max_length=200)
    problem_statement = models.TextField(
        _("problem statement"),
        blank=True,
        help_text=_("The specific, recurring problem: what, where, when, and who is affected."),
    )
    goal_indicator = models.CharField(_("goal indicator"), max_length=200, blank=True)
    goal_baseline = models.DecimalField(
        _("baseline"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    goal_target = models.DecimalField(
        _("target"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    goal_date = models.DateField(_("goal date"), null=True, blank=True)
    phase = models.CharField(
        _("phase"), max_length=20, choices=Phase.choices, default=Phase.SCANNING
    )
    goal_measure = models.ForeignKey(
        Indicator,
        verbose_name=_("measured by indicator"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="goal_of_cases",
        help_text=_("Leave empty to measure the goal by the observations logged here."),
    )
    observations = models.ManyToManyField(
        Observation,
        verbose_name=_("observations showing the problem"),
        blank=True,
        related_name="cases",
    )
    indicators = models.ManyToManyField(
        Indicator,
        verbose_name=_("indicators showing the problem"),
        blank=True,
        related_name="cases",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        triggers = [audited()]
        verbose_name = _("SARA case")
        verbose_name_plural = _("SARA cases")
        ordering = ["-updated_at"]
        # The case lists' order (API: -updated_at, -pk): without it the unfiltered list at
        # 1,000,000 cases sorted every case for its 50 rows (bench/permission_bench.py).
        # Within the scenes one sees (CaseQuerySet.visible_to gives their ids as a list), the
        # same order per scene: one scene's page stops after its rows.
        indexes = [
            models.Index(fields=["-updated_at", "-id"], name="case_updated"),
            models.Index(fields=["scene", "-updated_at", "-id"], name="case_scene_updated"),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        _no_identity_numbers(self, "problem_statement", "title")
        on_team = (
            self.scene_id
            and self.owner_id
            and self.scene.team.filter(organisation_id=self.owner_id).exists()
        )
        if self.scene_id and self.owner_id and not on_team:
            raise ValidationError(
                {"owner": _("The owner must be an organisation on the scene's team.")}
            )
        if self.goal_measure_id and self.scene_id and self.goal_measure.scene_id != self.scene_id:
            raise ValidationError({"goal_measure": _("The indicator belongs to another scene.")})


class PhaseChange(PlainInput, ShownTextGuard, models.Model):
    """A move of a case from one phase to another: who, when, and why."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="phase_changes")
    from_phase = models.CharField(max_length=20, choices=Phase.choices, blank=True)
    to_phase = models.CharField(max_length=20, choices=Phase.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    comment = models.CharField(_("comment"), max_length=1000, blank=True)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = PhaseChangeQuerySet.as_manager()

    class Meta:
        triggers = [audited()]
        verbose_name = _("phase change")
        verbose_name_plural = _("phase changes")
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"{self.case}: {self.from_phase or '-'} -> {self.to_phase}"


class Analysis(PlainInput, ShownTextGuard, models.Model):
    """A finding of the analysis for one area, optionally tied to one sub-place.

    The problem-analysis triangle's controllers (handler of offenders, guardian of victims,
    manager of the place) are noted with whether each is weak.
    """

    class Area(models.TextChoices):
        PLACE = "place", _("The place")
        OFFENDERS = "offenders", _("Offenders (group level)")
        VICTIMS = "victims", _("Victims (group level)")
        OTHER = "other", _("Other")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="analyses")
    place = models.ForeignKey(
        Place,
        verbose_name=_("sub-place"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="analyses",
    )
    area = models.CharField(_("area"), max_length=20, choices=Area.choices)
    finding = models.TextField(_("finding"))
    handler = models.CharField(_("handler"), max_length=300, blank=True)
    handler_weak = models.BooleanField(_("handler is weak"), default=False)
    guardian = models.CharField(_("guardian"), max_length=300, blank=True)
    guardian_weak = models.BooleanField(_("guardian is weak"), default=False)
    manager = models.CharField(_("manager of the place"), max_length=300, blank=True)
    manager_weak = models.BooleanField(_("manager is weak"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("written by organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    restricted = models.BooleanField(
        _("only our own organisation"),
        default=False,
        help_text=_(
            "Kept to the organisation that wrote it: no other organisation sees it until it is "
            "shared with a recorded legal basis."
        ),
    )
    shares = GenericRelation("scenes.Share")

    objects = AnalysisQuerySet.as_manager()

    class Meta:
        triggers = [audited()]
        verbose_name = _("analysis")
        verbose_name_plural = _("analyses")
        ordering = ["area", "created_at"]

    def __str__(self):
        # Without the finding: a name is shown wherever the entry is referred to, and the
        # finding is free text that not everyone who sees the case may read.
        where = f" – {self.place.name}" if self.place_id else ""
        day = f" ({self.created_at:%Y-%m-%d})" if self.created_at else ""
        return f"{self.get_area_display()}{where}{day}"

    def get_absolute_url(self):
        return reverse("sara:case_detail", args=[self.case_id]) + f"#analysis-{self.pk}"

    def clean(self):
        super().clean()
        _no_identity_numbers(self, "finding", "handler", "guardian", "manager")
        if self.place_id and self.case_id and self.place.scene_id != self.case.scene_id:
            raise ValidationError({"place": _("The sub-place belongs to another scene.")})


class ActionStatus(models.TextChoices):
    PLANNED = "planerad", _("Planned")
    ONGOING = "pagaende", _("Ongoing")
    DONE = "genomford", _("Done")
    CANCELLED = "avbruten", _("Cancelled")


OPEN_STATUSES = (ActionStatus.PLANNED, ActionStatus.ONGOING)


class Action(PlainInput, ShownTextGuard, models.Model):
    """An action (åtgärd/insats) of a case, owned by one organisation on the scene's team."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="actions")
    analysis = models.ForeignKey(
        Analysis,
        verbose_name=_("from the analysis"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="actions",
    )
    method = models.ForeignKey(
        Method,
        verbose_name=_("method"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="actions",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # No index of its own: action_org_status_due (responsible, status, due_on) starts with it.
    responsible = models.ForeignKey(
        Organisation,
        verbose_name=_("responsible organisation"),
        on_delete=models.PROTECT,
        related_name="actions",
        db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_actions",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    start_on = models.DateField(_("start"), null=True, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    completed_on = models.DateField(_("completed"), null=True, blank=True)
    output_unit = models.CharField(
        _("output unit"), max_length=100, blank=True, help_text=_("e.g. patrol hours")
    )
    output_target = models.DecimalField(
        _("output target"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    output_achieved = models.DecimalField(
        _("output achieved"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The organisation that wrote the description.
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ActionQuerySet.as_manager()

    class Meta:
        triggers = [audited()]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["responsible", "status", "due_on"], name="action_org_status_due")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__isnull=True)
                | Q(start_on__isnull=True)
                | Q(due_on__gte=models.F("start_on")),
                name="action_due_after_start",
                violation_error_message=_("The due date cannot be before the start."),
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_overdue(self) -> bool:
        """The object form of `ActionQuerySet.overdue(today)`: open and past its due date."""
        return (
            self.status in OPEN_STATUSES
            and self.due_on is not None
            and self.due_on < timezone.localdate()
        )

    def clean(self):
        super().clean()
        _no_identity_numbers(self, "title", "description")
        errors = {}
        if self.case_id and self.responsible_id:
            team = self.case.scene.team.filter(organisation_id=self.responsible_id)
            if not team.exists():
                errors["responsible"] = _(
                    "The responsible organisation must be on the scene's team."
                )
        if (
            self.assignee_id
            and self.responsible_id
            and not self.assignee.memberships.filter(organisation_id=self.responsible_id).exists()
        ):
            errors["assignee"] = _("The assignee must work for the responsible organisation.")
        if self.analysis_id and self.case_id and self.analysis.case_id != self.case_id:
            errors["analysis"] = _("The analysis belongs to another case.")
        if errors:
            raise ValidationError(errors)


class ActionUpdate(PlainInput, ShownTextGuard, models.Model):
    """A dated progress update on an action, by staff of the responsible organisation."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    written_at = models.DateTimeField(_("written"), default=timezone.now)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("progress"), blank=True)
    status = models.CharField(
        _("new status"), max_length=20, choices=ActionStatus.choices, blank=True
    )
    output_achieved = models.DecimalField(
        _("output achieved so far"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("written by organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    restricted = models.BooleanField(
        _("only our own organisation"),
        default=False,
        help_text=_(
            "Kept to the organisation that wrote it: no other organisation sees it until it is "
            "shared with a recorded legal basis."
        ),
    )
    shares = GenericRelation("scenes.Share")

    objects = ActionUpdateQuerySet.as_manager()

    class Meta:
        triggers = [audited()]
        verbose_name = _("action update")
        verbose_name_plural = _("action updates")
        ordering = ["-written_at", "-pk"]

    def __str__(self):
        return f"{self.action} {self.written_at:%Y-%m-%d}"

    def get_absolute_url(self):
        return reverse("sara:action_detail", args=[self.action_id]) + f"#update-{self.pk}"

    def clean(self):
        super().clean()
        _no_identity_numbers(self, "text")
        if not (self.text or self.status or self.output_achieved is not None):
            raise ValidationError(_("Write what happened, or change the status or the output."))


class Assessment(PlainInput, ShownTextGuard, models.Model):
    """The assessment of a case: were the actions carried out, and did they work."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField(_("assessed on"), default=timezone.localdate)
    process = models.TextField(_("process: were the actions carried out as planned?"))
    effect = models.TextField(_("effect: did the problem change?"), blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)
    figures = models.JSONField(_("figures at the time"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        triggers = [audited()]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-assessed_on", "-pk"]

    def __str__(self):
        return f"{self.case} {self.assessed_on}"

    def clean(self):
        super().clean()
        _no_identity_numbers(self, "process", "effect", "conclusion")


class Verdict(models.TextChoices):
    """What the weighted displacement difference's 95 % interval says."""

    DECREASE = "decrease", _("A decrease distinguishable from noise")
    INCREASE = "increase", _("An increase distinguishable from noise")
    UNCLEAR = "unclear", _("No change distinguishable from noise")
    NOT_COMPUTABLE = "not_computable", _("Not computable from the counts")


class EffectEvaluation(PlainInput, models.Model):
    """Effect and displacement as measured for an assessment of a case: what was counted
    (observations of chosen categories, or an indicator), where (the response area: the scene
    or a sub-place; a buffer ring of `buffer_m` metres around it; a control area: another
    scene or the rest of the municipality) and when (before and after), with the eight counts
    and every measure as they were when the assessment was recorded (sara/effect.py). The
    counts are of rows no organisation keeps to itself, so everyone who sees the case may see
    them; it holds no free text."""

    class Measure(models.TextChoices):
        OBSERVATIONS = "observations", _("Observations")
        INDICATOR = "indicator", _("An indicator")

    class Control(models.TextChoices):
        SCENE = "scene", _("Another scene")
        MUNICIPALITY = "municipality", _("The rest of the municipality")
        NONE = "none", _("No control area")

    assessment = models.OneToOneField(
        Assessment, on_delete=models.CASCADE, related_name="effect_evaluation"
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="effect_evaluations")
    measure = models.CharField(_("what is counted"), max_length=20, choices=Measure.choices)
    categories = ArrayField(
        models.CharField(max_length=30), verbose_name=_("categories"), default=list, blank=True
    )
    indicator = models.ForeignKey(
        Indicator, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    control_indicator = models.ForeignKey(
        Indicator, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    place = models.ForeignKey(
        Place,
        verbose_name=_("response area"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty: the whole scene."),
    )
    buffer_m = models.PositiveIntegerField(_("buffer width (m)"))
    control = models.CharField(_("control area"), max_length=20, choices=Control.choices)
    control_scene = models.ForeignKey(
        Scene, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    before_start = models.DateField(_("before, from"))
    before_end = models.DateField(_("before, to"))
    after_start = models.DateField(_("after, from"))
    after_end = models.DateField(_("after, to"))
    counts = models.JSONField(_("counts"))
    results = models.JSONField(_("measures"))
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        triggers = [audited()]
        verbose_name = _("effect evaluation")
        verbose_name_plural = _("effect evaluations")
        ordering = ["-assessment__assessed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(before_end__gte=models.F("before_start"))
                & Q(after_start__gt=models.F("before_end"))
                & Q(after_end__gte=models.F("after_start")),
                name="effect_periods_in_order",
            )
        ]

    def __str__(self):
        return f"{self.case}: {self.get_verdict_display()}"


class ActionReminder(models.Model):
    """A reminder sent about an action on a day: at most one per action and day."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Due within 7 days")
        OVERDUE = "overdue", _("Overdue")

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="reminders")
    day = models.DateField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    objects = ActionChildQuerySet.as_manager()

    class Meta:
        triggers = [audited()]
        constraints = [
            models.UniqueConstraint(fields=["action", "day"], name="one_reminder_per_action_day")
        ]

    def __str__(self):
        return f"{self.action} {self.day} {self.kind}"
