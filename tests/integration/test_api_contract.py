"""Property-based contract test: every documented operation, fed generated input, answers
without a server error and with a response that its OpenAPI schema allows.

Authentication itself is proven by tests/integration/test_access_matrix.py; schemathesis's
`ignored_auth` probe is left out because it replays the run's own bearer header, and
`positive_data_acceptance` because business rules (a SIRET's check digit, an opaque cursor)
rightly refuse some schema-valid strings with a 422.
"""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from market.auth.roles import Role
from tests.integration.members_factories import bearer, make_user

EXAMPLES_PER_OPERATION = 15


def check_operation(operation, headers: dict) -> None:
    """Run generated cases against one operation and validate each response."""

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def run(case):
        case.call_and_validate(headers=headers,
                               excluded_checks=[ignored_auth, positive_data_acceptance])

    run()


def test_every_operation_answers_without_server_error_and_matches_its_schema(app, db):
    headers = bearer(db, make_user(db, "contract@example.org", [(Role.network_admin, None)]))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "the OpenAPI document lists no operation"
    for operation in operations:
        check_operation(operation, headers)
