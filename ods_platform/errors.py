"""Errors that say what happened: request ids, error pages, and JSON errors for the API.

- `RequestIdMiddleware` gives every request an id (a well-formed `X-Request-ID` from the
  proxy is kept, otherwise a new one), sends it back as `X-Request-ID`, and `RequestIdFilter`
  puts it on every log line the request causes: Django's own "Internal Server Error" entry
  for every 500 included. Error pages and API error bodies show it.
- `server_error` (handler500) never touches the database, so it works while the database is
  down. When the database cannot be reached it answers 503 and says that nothing was saved;
  for a form that was being sent it keeps what was typed and offers to send it again.
- Under /api/ every error is JSON, never an HTML page, with a `request_id` (validation errors,
  whose keys are field names, carry it in the `X-Request-ID` header only).
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys
import uuid

from django.core.signals import request_finished
from django.db.utils import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

_request_id = contextvars.ContextVar("request_id", default="-")
_WELL_FORMED = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
HEADER = "X-Request-ID"
API_PREFIX = "/api/"
# Seconds after which a client may try again when the database is down.
RETRY_AFTER_S = 30
# Form fields never written back into a page.
_SECRET_FIELD = re.compile(r"pass|token|secret|otp|code", re.IGNORECASE)
_NO_RESEND_PREFIXES = ("/accounts/", "/admin/login")


def current_request_id() -> str:
    return _request_id.get()


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


def _install_record_factory() -> None:
    """Every log record gets the request id when it is made, whichever handler takes it."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_request_id", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        record.request_id = _request_id.get()
        return record

    factory.adds_request_id = True
    logging.setLogRecordFactory(factory)


_install_record_factory()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(HEADER, "")
        request_id = incoming if _WELL_FORMED.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        # Kept until the response is closed (request_finished), so that Django's own log
        # line for a 4xx/5xx response, written after the middleware returns, carries it too.
        _request_id.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


@receiver(request_finished)
def _forget_request_id(**_kwargs) -> None:
    _request_id.set("-")


def database_unavailable(error: BaseException | None) -> bool:
    """Whether an error means the database cannot be reached (as opposed to a bug)."""
    if error is None:
        return False
    if isinstance(error, OperationalError | InterfaceError):
        return True
    try:
        import psycopg
        from psycopg_pool import PoolTimeout
    except ImportError:  # pragma: no cover - both are installed with the platform
        return False
    return isinstance(error, psycopg.OperationalError | psycopg.InterfaceError | PoolTimeout)


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def _request_id_of(request) -> str:
    return getattr(request, "request_id", None) or current_request_id()


def _api_error(request, status: int, code: str, detail: str) -> JsonResponse:
    response = JsonResponse(
        {"detail": detail, "code": code, "request_id": _request_id_of(request)}, status=status
    )
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_S)
    return response


def _kept_fields(request) -> tuple[list[tuple[str, str]], list[str]]:
    """What a failed form sent, to be sent again: (hidden fields, the free text typed)."""
    if request.method != "POST" or request.path.startswith(_NO_RESEND_PREFIXES):
        return [], []
    try:
        items = list(request.POST.lists())
    except Exception:  # an unreadable body: nothing to keep
        return [], []
    hidden, texts = [], []
    for key, values in items:
        if _SECRET_FIELD.search(key) and key != "csrfmiddlewaretoken":
            continue
        for value in values:
            hidden.append((key, value))
            if key != "csrfmiddlewaretoken" and len(value.split()) >= 2:
                texts.append(value)
    return hidden, texts


def _had_files(request) -> bool:
    try:
        return bool(request.FILES)
    except Exception:  # an unreadable body
        return False


def server_error(request, template_name: str = "500.html") -> HttpResponse:
    """handler500: an unexpected error, or the database gone (503). No database needed."""
    error = sys.exc_info()[1]
    unavailable = database_unavailable(error)
    status = 503 if unavailable else 500
    if request.path == "/healthz" and unavailable:
        # Reached only when something before the checks needed the database (a session).
        return JsonResponse(
            {"status": "down", "checks": {"database": "down"}, "down": ["database"]}, status=503
        )
    if _is_api(request):
        if unavailable:
            return _api_error(
                request, 503, "database_unavailable",
                _("The database does not answer. Nothing was saved; try again in a minute."),
            )  # fmt: skip
        return _api_error(
            request, 500, "server_error",
            _("An unexpected error occurred. It has been logged with the request id."),
        )  # fmt: skip
    context = {"request_id": _request_id_of(request), "status": status}
    if unavailable:
        hidden, texts = _kept_fields(request)
        context.update(
            {
                "posted": request.method == "POST",
                "resend_fields": hidden,
                "typed_texts": texts,
                "had_files": request.method == "POST" and _had_files(request),
                "action": request.get_full_path(),
            }
        )
        template_name = "503.html"
    body = loader.get_template(template_name).render(context)
    response = HttpResponse(body, status=status)
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_S)
    return response


def page_not_found(request, exception, template_name: str = "404.html") -> HttpResponse:
    if _is_api(request):
        return _api_error(request, 404, "not_found", _("Not found."))
    return defaults.page_not_found(request, exception, template_name)


def permission_denied(request, exception, template_name: str = "403.html") -> HttpResponse:
    if _is_api(request):
        return _api_error(
            request, 403, "permission_denied", _("You may not do this with this object.")
        )
    return defaults.permission_denied(request, exception, template_name)


def bad_request(request, exception, template_name: str = "400.html") -> HttpResponse:
    if _is_api(request):
        return _api_error(request, 400, "bad_request", _("The request could not be read."))
    return defaults.bad_request(request, exception, template_name)


def api_exception_handler(exc, context):
    """DRF's handler, with the request id in every error body. Errors DRF does not know
    (a bug, the database gone) go on to `server_error`, which logs them and answers JSON."""
    from rest_framework.exceptions import ValidationError
    from rest_framework.views import exception_handler

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        # The keys of a validation error are the fields' names: the id stays in the
        # X-Request-ID header only.
        return response
    request_id = _request_id_of(context.get("request"))
    if isinstance(response.data, dict):
        response.data["request_id"] = request_id
    else:
        response.data = {"detail": response.data, "request_id": request_id}
    return response
