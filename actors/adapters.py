"""How django-allauth and django-axes fit this platform's accounts."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

# What a refused single sign-on says (the page is in Swedish unless English was chosen).
REFUSED = {
    "unknown": _(
        "You have no account on the platform through this organisation. Accounts are created "
        "by your organisation's administrator: ask them to add you, then sign in again."
    ),
    "not_configured": _(
        "Sign-in through this provider is not set up for any organisation on the platform."
    ),
    "other_organisation": _(
        "This provider signs in members of another organisation. Sign in through your own "
        "organisation's provider, or with your username."
    ),
    "inactive": _("Your account is deactivated. Ask your organisation's administrator."),
}
# RFC 8176 "amr" values that mean more than one factor was used.
MFA_AMR = {"mfa"}
MFA_BY_IDP = "_ods_mfa_by_idp"


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Accounts are created by administrators for named staff of partner organisations.
        return False


def axes_username(request, credentials):
    """The name a log-in attempt is counted against: the account's username, whether the
    username or the e-mail address was typed (one lock-out rule for both)."""
    credentials = credentials or {}
    typed = ""
    for key in ("username", "email", "login"):
        if credentials.get(key):
            typed = str(credentials[key])
            break
    else:
        typed = (request.POST.get("login") or "") if request else ""
    typed = typed.strip().lower()
    if "@" in typed:
        from .models import User

        account = User.objects.filter(email__iexact=typed).values_list("username", flat=True)
        names = list(account[:2])
        if len(names) == 1:
            return names[0].lower()
    return typed


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on lets in people who already have an account and a membership of the
    organisation whose provider it is; nobody else, and it never makes an account."""

    def is_open_for_signup(self, request, sociallogin):
        return False

    def is_auto_signup_allowed(self, request, sociallogin):
        return False

    def list_apps(self, request, provider=None, client_id=None):
        # A provider linked to no active organisation's sign-on cannot be used at all.
        from .models import SignOn

        apps = super().list_apps(request, provider=provider, client_id=client_id)
        linked = set(
            SignOn.objects.filter(
                app__in=[a.pk for a in apps if a.pk],
                is_active=True,
                organisation__is_active=True,
            ).values_list("app_id", flat=True)
        )
        return [app for app in apps if app.pk in linked]

    def pre_social_login(self, request, sociallogin):
        from .models import SignOn

        sign_on = (
            SignOn.objects.select_related("organisation", "app")
            .filter(app=sociallogin.provider.app.pk, is_active=True, organisation__is_active=True)
            .first()
        )
        if sign_on is None or sign_on.configuration_errors():
            refuse(request, "not_configured", sign_on)
        user = self._member(request, sociallogin, sign_on)
        # Read when the log-in completes (signals.py): the provider's MFA counts only where
        # the organisation said it trusts it.
        sociallogin.ods_mfa_by_idp = sign_on.trust_idp_mfa and _idp_used_mfa(sociallogin)
        if not sociallogin.is_existing and sociallogin.state.get("process") != "connect":
            # The first sign-in of a member: the provider's subject is tied to the account,
            # and later sign-ins find it by that subject.
            sociallogin.connect(request, user)

    def _member(self, request, sociallogin, sign_on):
        from .models import User

        organisation = sign_on.organisation
        if sociallogin.is_existing:
            user = sociallogin.user
        elif sociallogin.state.get("process") == "connect" and request.user.is_authenticated:
            user = request.user
        else:
            email = vouched_email(sign_on, sociallogin)
            if not email:
                refuse(request, "unknown", sign_on)
            found = list(User.objects.filter(email__iexact=email)[:2])
            if len(found) != 1:
                refuse(request, "unknown", sign_on)
            user = found[0]
        if not user.memberships.filter(organisation=organisation).exists():
            refuse(
                request, "other_organisation" if user.memberships.exists() else "unknown", sign_on
            )
        if not user.is_active:
            refuse(request, "inactive", sign_on)
        return user

    def send_notification_mail(self, *args, **kwargs):
        # Nobody manages their own connections: the first sign-on is not news to them.
        return None


def vouched_email(sign_on, sociallogin) -> str:
    """The e-mail address the provider vouches for, in one of the sign-on's domains.

    A generic OpenID Connect provider must mark it verified (`email_verified`). Entra ID
    has no such claim: with the tenant pinned, the directory's own address (or sign-in name)
    in the organisation's domain counts. A SAML federation's identity provider asserts the
    address of its own organisation's people."""
    found = [(a.email, a.verified) for a in sociallogin.email_addresses]
    if sociallogin.user is not None and sociallogin.user.email:
        found.append((sociallogin.user.email, False))
    if sign_on.kind == sign_on.Kind.ENTRA:
        data = sociallogin.account.extra_data or {}
        for part in ("id_token", "userinfo"):
            claims = data.get(part) or {}
            for claim in ("email", "preferred_username", "upn"):
                if claims.get(claim):
                    found.append((str(claims[claim]), False))
    for email, verified in found:
        if sign_on.kind == sign_on.Kind.OIDC and not verified:
            continue
        if sign_on.vouches_for(email):
            return email.strip()
    return ""


def _idp_used_mfa(sociallogin) -> bool:
    claims = (sociallogin.account.extra_data or {}).get("id_token") or {}
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    return bool(MFA_AMR & {str(v).lower() for v in amr})


def refuse(request, reason: str, sign_on=None):
    """End the sign-in with a page that says why; nothing is created or connected."""
    from audit.events import record_event

    record_event(
        "sso_refused",
        request=request,
        reason=reason,
        organisation=sign_on.organisation.slug if sign_on else "",
    )
    response = render(request, "account/sso_refused.html", {"message": REFUSED[reason]}, status=403)
    raise ImmediateHttpResponse(response)
