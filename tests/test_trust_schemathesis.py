"""The public write doors fuzzed from the OpenAPI schema (schemathesis): whatever a device or
an integration sends, the answer is never a server error and always matches the schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.factories import bearer, device_bearer

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
PUBLIC = schema.include(
    path_regex=r"^/api/v1/(imports/\{kind\}|devices/events/\{kind\}|feedback/terminal)$"
)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """As Django's test client does: the WSGI handler would close the connection that holds
    the test's transaction after each request (PostgreSQL then fails the next one)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def headers(personas):
    return {"imports": bearer(personas["admin"]), "device": device_bearer("MSK-1", "terminal")}


@PUBLIC.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_public_endpoints_never_fail_with_a_server_error(case, headers):
    kind = "imports" if "/imports/" in case.path else "device"
    raw = headers[kind]["HTTP_AUTHORIZATION"]
    # Schema-valid records may still be refused (422 naming the field): only these checks.
    response = case.call(headers={"Authorization": raw})
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
