"""The audit trail's part of every request: who is acting (for the change triggers), and the
request's reads, written in one bulk insert before the answer leaves."""

from __future__ import annotations

from .context import clear_context, request_context, set_context
from .reads import flush_reads


class AuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        context = request_context(request)
        set_context(context)
        try:
            response = self.get_response(request)
            # The user may have logged in or out during the request.
            context = request_context(request)
            flush_reads(request, context)
            response.headers.setdefault("X-Request-ID", context["request_id"])
            return response
        finally:
            clear_context()
