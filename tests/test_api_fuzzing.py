"""The API fuzzed against its own OpenAPI schema (schemathesis), as three roles: whatever is
sent, no answer is a server error and every answer fits the schema.

`make test` runs a bounded number of cases per operation (ODS_FUZZ_EXAMPLES, default 8);
`make fuzz` runs the same with many more.
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
    status_code_conformance,
)

EXAMPLES = int(os.environ.get("ODS_FUZZ_EXAMPLES", "8"))
ROLES = ["sthlm.falt", "lan.samordnare", "stad.utvarderare"]


def _schema():
    """The platform's own OpenAPI schema, as /api/schema/ serves it, run in-process."""
    import django

    django.setup()
    from drf_spectacular.generators import SchemaGenerator

    from ods_platform.wsgi import application

    loaded = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
    loaded.app = application
    return loaded


schema = _schema()


@pytest.fixture
def in_test_transaction():
    """The WSGI app closes the database connection after each request, as in production;
    here the connection is the test's own transaction, so it is left open (as Django's test
    client does)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(personas, demo_scenes, method_catalogue, in_test_transaction):
    return {name: Token.objects.get_or_create(user=personas[name])[0].key for name in ROLES}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_error_and_answers_fit_the_schema(case, tokens):
    for token in tokens.values():
        _call(case, token)


def _call(case, token):
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        # The schema describes the answers; which inputs the platform refuses (a scene the
        # role may not log at, a period it does not accept) is the platform's business.
        excluded_checks=[
            negative_data_rejection,
            positive_data_acceptance,
            status_code_conformance,
        ],
    )
