"""Who someone is: users, the organisations (aktörer) they work for, and their roles."""

import re

from django.contrib.auth.models import AbstractUser, Group
from django.core.exceptions import ValidationError
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


# Entra ID's shared endpoints accept any Microsoft account or any organisation's: never for a
# sign-on, which must be pinned to the one organisation's directory.
ENTRA_SHARED_TENANTS = ("common", "organizations", "consumers")
ENTRA_LOGIN = "https://login.microsoftonline.com"
_TENANT_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class SignOn(PlainInput, models.Model):
    """An organisation's own identity provider (single sign-on).

    The provider itself is a django-allauth `SocialApp` (client id, secret, server URL or
    SAML metadata); this row says whose it is and whom it may vouch for: members of this
    organisation whose e-mail address lies in one of `email_domains`. Nobody gets an account
    by signing in (actors.adapters.SocialAccountAdapter).
    """

    class Kind(models.TextChoices):
        ENTRA = "entra", _("Microsoft Entra ID (OpenID Connect)")
        OIDC = "oidc", _("OpenID Connect")
        SAML = "saml", _("SAML 2.0")

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="sign_ons",
    )
    app = models.OneToOneField(
        "socialaccount.SocialApp",
        verbose_name=_("identity provider"),
        on_delete=models.CASCADE,
        related_name="sign_on",
        help_text=_("The provider as set up under Social applications."),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    tenant = models.CharField(
        _("Entra tenant ID"),
        max_length=36,
        blank=True,
        help_text=_("Entra ID only: the organisation's directory (tenant) ID, never “common”."),
    )
    email_domains = models.CharField(
        _("e-mail domains"),
        max_length=500,
        help_text=_(
            "Comma-separated, e.g. “stockholm.se”: only members with an address in one of "
            "these domains can sign in through this provider."
        ),
    )
    trust_idp_mfa = models.BooleanField(
        _("provider's two-factor authentication counts"),
        default=False,
        help_text=_(
            "OpenID Connect only: a sign-in whose ID token says that the provider used more "
            "than one factor (amr “mfa”) needs no two-factor authentication of its own here."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        triggers = [audited()]
        verbose_name = _("single sign-on")
        verbose_name_plural = _("single sign-ons")
        ordering = ["organisation__name", "kind"]

    def __str__(self):
        return f"{self.organisation} – {self.get_kind_display()}"

    @property
    def domains(self) -> list[str]:
        return [d.strip().lower() for d in self.email_domains.split(",") if d.strip()]

    def vouches_for(self, email: str) -> bool:
        domain = email.rsplit("@", 1)[-1].strip().lower() if "@" in (email or "") else ""
        return bool(domain) and domain in self.domains

    def login_url(self) -> str:
        from django.urls import reverse

        if self.app.provider == "saml":
            return reverse("saml_login", kwargs={"organization_slug": self.app.client_id})
        return reverse("openid_connect_login", kwargs={"provider_id": self.app.provider_id})

    def origins(self) -> list[str]:
        """Where the browser is sent to sign in (for the log-in page's form-action)."""
        settings = self.app.settings or {}
        if self.app.provider == "saml":
            idp = settings.get("idp") or {}
            urls = [idp.get("sso_url") or idp.get("metadata_url") or ""]
        else:
            overrides = settings.get("openid_configuration_overrides") or {}
            urls = [settings.get("server_url", ""), overrides.get("authorization_endpoint", "")]
        return sorted({_origin(url) for url in urls if _origin(url)})

    def clean(self):
        super().clean()
        errors = self.configuration_errors()
        if errors:
            raise ValidationError(errors)

    def configuration_errors(self) -> dict[str, list[str]]:
        """What is wrong with this sign-on (empty: nothing). The sign-in asks it again, so a
        provider changed afterwards in its SocialApp cannot open a way in."""
        errors: dict[str, list[str]] = {}

        def add(field, message):
            errors.setdefault(field, []).append(message)

        bad = [d for d in self.domains if not _DOMAIN.match(d)]
        if not self.domains or bad:
            add("email_domains", _("Give one or more e-mail domains, e.g. “stockholm.se”."))
        if not self.app_id:
            return errors
        app = self.app
        settings = app.settings or {}
        wanted = "saml" if self.kind == self.Kind.SAML else "openid_connect"
        if app.provider != wanted:
            add(
                "app",
                _("This kind of sign-on needs a social application of the provider “%s”.") % wanted,
            )
            return errors
        tenant = self.tenant.strip().lower()
        if self.kind == self.Kind.ENTRA:
            if tenant in ENTRA_SHARED_TENANTS:
                add(
                    "tenant",
                    _(
                        "“%s” lets anyone's Microsoft account in. Give the organisation's own "
                        "directory (tenant) ID."
                    )
                    % tenant,
                )
            elif not _TENANT_ID.match(tenant):
                add(
                    "tenant",
                    _(
                        "Give the organisation's directory (tenant) ID, e.g. "
                        "“72f988bf-86f1-41af-91ab-2d7cd011db47”."
                    ),
                )
            elif _entra_tenant(settings.get("server_url", "")) != tenant:
                add(
                    "app",
                    _("The social application's server_url must be %(url)s (the tenant pinned).")
                    % {"url": f"{ENTRA_LOGIN}/{tenant}/v2.0"},
                )
        else:
            if tenant:
                add("tenant", _("Only an Entra ID sign-on has a tenant."))
        if self.kind == self.Kind.OIDC:
            url = settings.get("server_url", "")
            if not _safe_url(url):
                add("app", _("The social application needs a server_url starting with https://."))
            elif url.lower().startswith(ENTRA_LOGIN):
                add(
                    "kind",
                    _("Entra ID is set up as the kind “Microsoft Entra ID”, with its tenant."),
                )
        if self.kind == self.Kind.SAML:
            idp = settings.get("idp") or {}
            complete = idp.get("entity_id") and (
                idp.get("metadata_url") or (idp.get("sso_url") and idp.get("x509cert"))
            )
            urls = [idp.get("metadata_url") or idp.get("sso_url") or ""]
            if not complete or not all(_safe_url(u) for u in urls):
                add(
                    "app",
                    _(
                        "The social application's settings need “idp” with entity_id and either "
                        "an https metadata_url or sso_url and x509cert."
                    ),
                )
            if self.trust_idp_mfa:
                add("trust_idp_mfa", _("Only an OpenID Connect provider's MFA claim is used."))
        return errors


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else ""


def _safe_url(url: str) -> bool:
    """https, or plain http to this machine itself (a provider started by the tests)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url or "")
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return True
    return parts.scheme == "http" and host in _LOOPBACK


def _entra_tenant(server_url: str) -> str:
    """The tenant an Entra ID server URL names ("" if it is not one)."""
    url = server_url.strip().lower().split("/.well-known/")[0].rstrip("/")
    prefix = ENTRA_LOGIN + "/"
    if not url.startswith(prefix):
        return ""
    rest = url[len(prefix) :]
    tenant, _sep, version = rest.partition("/")
    return tenant if version == "v2.0" else ""
