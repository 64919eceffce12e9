"""Who someone is: users, the organisations (aktörer) they work for, and their roles."""

from django.contrib.auth.models import AbstractUser, Group
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from audit.triggers import audited
from ods_platform.lib.plain import PlainInput

from .permissions import MembershipQuerySet, OrganisationQuerySet


class User(PlainInput, AbstractUser):
    """A person who logs in. What they may see and do follows from their memberships."""

    class Meta:
        triggers = [audited(exclude=("last_login",))]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.get_full_name() or self.username


class Organisation(PlainInput, models.Model):
    """An actor in the regional work: a municipality, an agency, or a part of one.

    Every organisation has its own Django group; object permissions granted to the
    organisation (for example on the scenes whose team it is on) are granted to that group,
    and every member of the organisation is in it.
    """

    class Kind(models.TextChoices):
        KOMMUN = "kommun", _("Municipality")
        POLIS = "polis", _("Police")
        REGION_HSF = "region_hsf", _("Region Stockholm, health care")
        REGION_TF = "region_tf", _("Region Stockholm, public transport")
        KRIMINALVARDEN = "kriminalvarden", _("Prison and Probation Service")
        TULLVERKET = "tullverket", _("Customs")
        LANSSTYRELSEN = "lansstyrelsen", _("County Administrative Board")
        STAD = "stad", _("STAD (evaluation)")
        SSR = "ssr", _("SSR office")
        CIVIL = "civil", _("Civil society")
        OTHER = "other", _("Other")

    slug = models.SlugField(
        _("key"), max_length=80, unique=True, help_text=_("Stable key used by reference data.")
    )
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    municipality_code = models.CharField(
        _("municipality code"),
        max_length=4,
        blank=True,
        validators=[RegexValidator(r"^\d{4}$", _("A municipality code has four digits."))],
        help_text=_("Statistics Sweden's four-digit code; municipalities only."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    group = models.OneToOneField(
        Group, on_delete=models.PROTECT, related_name="organisation", editable=False
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        triggers = [audited()]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality_code"],
                condition=~Q(municipality_code=""),
                name="organisation_unique_municipality_code",
            ),
            models.CheckConstraint(
                condition=(Q(kind="kommun") & ~Q(municipality_code=""))
                | (~Q(kind="kommun") & Q(municipality_code="")),
                name="organisation_code_iff_municipality",
                violation_error_message=_(
                    "Municipalities have a municipality code; other organisations have none."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        with transaction.atomic():
            if self.group_id is None:
                self.group, _created = Group.objects.get_or_create(name=f"org:{self.slug}")
            super().save(*args, **kwargs)


class Role(models.TextChoices):
    REGIONAL_COORDINATOR = "regional_coordinator", _("Regional coordinator")
    COORDINATOR = "coordinator", _("Coordinator")
    CASE_OFFICER = "case_officer", _("Case officer")
    ANALYST = "analyst", _("Analyst")
    EVALUATOR = "evaluator", _("Evaluator")
    VIEWER = "viewer", _("Viewer")


class Membership(PlainInput, models.Model):
    """A user's role in an organisation. Keeps the user in the organisation's group."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        triggers = [audited()]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation__name", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="membership_one_per_organisation"
            )
        ]

    def __str__(self):
        return f"{self.user} – {self.organisation} ({self.get_role_display()})"

    def save(self, *args, **kwargs):
        with transaction.atomic():
            if self.pk:
                previous = Membership.objects.filter(pk=self.pk).values_list(
                    "organisation__group", flat=True
                )
                for group_id in previous:
                    self.user.groups.remove(group_id)
            super().save(*args, **kwargs)
            self.user.groups.add(self.organisation.group)

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            self.user.groups.remove(self.organisation.group)
            return super().delete(*args, **kwargs)
