"""Request-wide behaviour of the platform."""

from allauth.account.signals import user_logged_in as allauth_logged_in
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LanguageMiddleware:
    """Swedish unless the user has chosen another language with the language switch.

    Unlike Django's LocaleMiddleware, the browser's Accept-Language is not consulted: staff
    of Swedish authorities often run English-language browsers, and the platform speaks
    Swedish to them until they ask for English.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response


class RejectNulMiddleware:
    """A NUL character in the address, the query or a form field is never meaningful and
    PostgreSQL cannot store it: such a request is answered 400 with a message, before any
    view reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # API bodies are JSON (another media type is refused by the API itself): a NUL in
        # one is refused by the model's own text rule.
        form = request.method == "POST" and _form_post(request)
        form = form and not request.path.startswith("/api/")
        if "\x00" in request.path or _has_nul(request.GET) or (form and _has_nul(request.POST)):
            from django.http import HttpResponseBadRequest, JsonResponse
            from django.utils.translation import gettext as _

            message = _("The request contains a NUL character, which is never valid here.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message, "code": "nul_character"}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def _form_post(request) -> bool:
    kind = request.content_type or ""
    return kind in ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(data) -> bool:
    return any("\x00" in key or any("\x00" in v for v in data.getlist(key)) for key in data)


@receiver(user_logged_in, dispatch_uid="ods_session_started")
def _session_started(sender, request, user, **kwargs):
    """The absolute session limit counts from the log-in itself."""
    import time

    if request is not None and hasattr(request, "session"):
        request.session["_ods_login_at"] = time.time()


@receiver(allauth_logged_in, dispatch_uid="ods_mfa_by_idp")
def _mfa_by_idp(sender, request, user, sociallogin=None, **kwargs):
    """Whether this log-in's second factor was the organisation's identity provider's (see
    actors.adapters.SocialAccountAdapter); any other log-in says no."""
    from actors.adapters import MFA_BY_IDP

    if request is not None and hasattr(request, "session"):
        request.session[MFA_BY_IDP] = bool(getattr(sociallogin, "ods_mfa_by_idp", False))


class SessionLimitsMiddleware:
    """Sessions end after `SESSION_IDLE_MINUTES` without a request and, whatever happens,
    `SESSION_ABSOLUTE_HOURS` after log-in. The idle limit is the session's own expiry, which
    every request moves forward (SESSION_SAVE_EVERY_REQUEST); the absolute one is checked
    here. Authenticated answers are never kept by the browser's cache (a shared computer)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import time

        from django.contrib.auth import logout

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            session = request.session
            started = session.setdefault("_ods_login_at", now)
            if now - started > settings.SESSION_ABSOLUTE_HOURS * 3600:
                logout(request)
        response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            from django.utils.cache import patch_cache_control

            patch_cache_control(response, private=True, no_store=True)
        return response


class RequireMFAMiddleware:
    """Where `ODS_REQUIRE_MFA` is on (everywhere but demo installations), an account without
    two-factor authentication is sent to set it up before it sees anything else, unless this
    session's sign-in came from an identity provider trusted for its MFA."""

    ALLOWED = ("/accounts/", "/static/", "/healthz", "/i18n/", "/manifest.webmanifest", "/sw.js")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.ODS_REQUIRE_MFA and self._needs_mfa(request):
            from django.http import JsonResponse
            from django.shortcuts import redirect
            from django.utils.translation import gettext as _

            if request.path.startswith("/api/"):
                message = _("Turn on two-factor authentication before using the platform.")
                return JsonResponse({"detail": message, "code": "mfa_required"}, status=403)
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    def _needs_mfa(self, request) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        if request.path.startswith(self.ALLOWED):
            return False
        from actors.adapters import MFA_BY_IDP

        if request.session.get(MFA_BY_IDP):
            # Signed in through an organisation's provider that used more than one factor,
            # where the organisation's sign-on says that counts.
            return False
        from allauth.mfa.utils import is_mfa_enabled

        return not is_mfa_enabled(user)


class SignOnFormActionMiddleware:
    """The log-in pages send the browser on to an organisation's identity provider by a
    form (a POST, so that no other site can start a sign-in): the CSP's `form-action` allows
    exactly the active providers' addresses there, and nowhere else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/accounts/") and "html" in response.get("Content-Type", ""):
            from actors.models import SignOn

            origins = set()
            active = SignOn.objects.filter(is_active=True, organisation__is_active=True)
            for sign_on in active.select_related("app"):
                origins.update(sign_on.origins())
            if origins:
                response._csp_update = {"form-action": sorted(origins)}
        return response
