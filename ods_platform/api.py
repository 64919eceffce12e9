"""What every API endpoint shares: bounded pages and bounded JSON.

- `Pagination`: at most `MAX_LIMIT` rows a page, whatever `limit` asks for, and an
  offset that is a number the database can take (else 400 with a message).
  The count is exact up to `COUNT_AHEAD` rows past the page asked for, and beyond that a
  lower bound (`count_capped` true): counting every visible observation read 3 M rows for
  one scene at 10 M (bench/README.md); paging on with `next` still works to the end.
- `JSONParser`: refuses a body nested deeper than `MAX_DEPTH` before parsing it (Python's
  parser would recurse until it fails), with a 400 and a message.
"""

from __future__ import annotations

import io

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.pagination import LimitOffsetPagination

MAX_LIMIT = 500
MAX_OFFSET = 2**31 - 1
MAX_DEPTH = 32
COUNT_AHEAD = 10_000


class Pagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = MAX_LIMIT

    def get_offset(self, request):
        raw = request.query_params.get(self.offset_query_param, "")
        if raw.strip().isdigit() and int(raw) > MAX_OFFSET:
            raise ValidationError({"offset": [_("The offset is too large.")]})
        return super().get_offset(request)

    def get_count(self, queryset):
        """The rows up to COUNT_AHEAD past this page (a bounded count), or all of a list."""
        if not hasattr(queryset, "order_by"):
            self.count_capped = False
            return len(queryset)
        bound = self.get_offset(self.request) + self.limit + COUNT_AHEAD
        # In the list's own order, so the bounded count walks the index the page is read
        # from: unordered, the planner took a sequential scan of the observations (which
        # reads the whole table for a viewer who sees fewer rows than the bound); ordered by
        # id it walked the primary key and filtered (one scene at 1 M: 6.4 x the floor).
        counted = queryset[: bound + 1].count()
        self.count_capped = counted > bound
        return min(counted, bound)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_capped"] = getattr(self, "count_capped", False)
        return response

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        answer["properties"]["count_capped"] = {
            "type": "boolean",
            "description": "True when `count` is a lower bound: more rows match than were "
            "counted (counting stops 10,000 rows past the page asked for).",
        }
        return answer


def _depth(data: bytes) -> int:
    """How deeply the JSON document nests its arrays and objects (strings skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                return deepest
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read() if stream is not None else b""
        if _depth(body) > MAX_DEPTH:
            raise ParseError(_("The JSON document is nested too deeply."))
        return super().parse(io.BytesIO(body), media_type, parser_context)
