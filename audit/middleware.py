"""The audit trail's part of every request: who is acting (for the change triggers), and the
request's reads, written in one bulk insert before the answer leaves."""

from __future__ import annotations

import logging

from django.db import DatabaseError

from .context import current, request_context, set_context
from .reads import flush_reads

logger = logging.getLogger(__name__)


class AuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        context = request_context(request)
        try:
            set_context(context)
        except DatabaseError:
            # The database is down: the view will find out and answer so (503); no change
            # or read can happen without it.
            logger.warning("Audit context not set: the database cannot be reached.")
        try:
            response = self.get_response(request)
            # The user may have logged in or out during the request.
            context = request_context(request)
            flush_reads(request, context)
            response.headers.setdefault("X-Request-ID", context["request_id"])
            return response
        finally:
            # The next request on this connection sets its own context first thing; the
            # application-side copy is forgotten now.
            current.set(None)
