"""Who is acting, for the audit trail: set on the database connection for each request and
each background task, so that the triggers recording changes know it too."""

from __future__ import annotations

import json
import uuid
from contextvars import ContextVar

from django.db import connection

from actors.permissions import memberships_of

SETTING = "ods.audit"
# The context of the request (or task) being handled, for entries written by the application.
current: ContextVar[dict | None] = ContextVar("ods_audit_context", default=None)


def describe(user) -> dict:
    """The user, their organisations and roles, as an entry records them."""
    if not getattr(user, "is_authenticated", False):
        return {}
    memberships = memberships_of(user)
    return {
        "user_id": user.pk,
        "username": user.get_username(),
        "organisation_ids": sorted({m.organisation_id for m in memberships}),
        "organisations": "; ".join(
            f"{m.organisation.name} ({m.get_role_display()})" for m in memberships
        )[:1000],
    }


def client_address(request) -> str | None:
    """The client's address as django-axes sees it (it knows the proxies in front)."""
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or None


def request_context(request) -> dict:
    return {
        **describe(getattr(request, "user", None)),
        "ip": client_address(request),
        "request_id": request_id(request),
        "path": request.get_full_path()[:500],
    }


def request_id(request) -> str:
    """The request's id: the one the proxy sent (X-Request-ID), else a new one."""
    rid = getattr(request, "request_id", None)
    if not rid:
        sent = request.META.get("HTTP_X_REQUEST_ID", "")
        rid = sent if sent and len(sent) <= 64 and sent.isprintable() else uuid.uuid4().hex
        request.request_id = rid
    return rid


def set_context(values: dict) -> None:
    current.set(values)
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, false)", [SETTING, json.dumps(values)])


def clear_context() -> None:
    current.set(None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, '', false)", [SETTING])
