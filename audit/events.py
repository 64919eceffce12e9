"""Security events in the audit trail: log-ins, failed log-ins, lock-outs, MFA changes, and
the events the apps record themselves (team changes with their basis, shares and their end)."""

from __future__ import annotations

from allauth.mfa.signals import authenticator_added, authenticator_removed
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from .context import current, describe, request_context
from .models import Entry


def record_event(action: str, *, request=None, user=None, object_type="", object_id="", **data):
    """One event entry; who and from where come from the request (else the one being
    handled, else the user given)."""
    who = request_context(request) if request is not None else dict(current.get() or {})
    if user is not None and not who.get("user_id"):
        who.update(describe(user))
    return Entry.objects.create(
        kind=Entry.Kind.EVENT,
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        data=data or None,
        user_id=who.get("user_id"),
        username=who.get("username", ""),
        organisation_ids=who.get("organisation_ids", []),
        organisations=who.get("organisations", ""),
        ip=who.get("ip"),
        request_id=who.get("request_id", ""),
        path=who.get("path", ""),
    )


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender, request, user, **kwargs):
    record_event("login", request=request, user=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    # The typed name, never the password (Django already masks it in `credentials`).
    typed = str(credentials.get("username") or credentials.get("email") or "")[:150]
    if request is not None:
        record_event("login_failed", request=request, typed=typed)


@receiver(user_locked_out, dispatch_uid="audit_lockout")
def _locked_out(sender, request, username, ip_address, **kwargs):
    record_event("lockout", request=request, typed=str(username or "")[:150])


@receiver(authenticator_added, dispatch_uid="audit_mfa_added")
def _mfa_added(sender, request, authenticator, **kwargs):
    record_event("mfa_added", request=request, user=authenticator.user, type=authenticator.type)


@receiver(authenticator_removed, dispatch_uid="audit_mfa_removed")
def _mfa_removed(sender, request, authenticator, **kwargs):
    record_event("mfa_removed", request=request, user=authenticator.user, type=authenticator.type)
