"""The notifications API against its OpenAPI document, with generated input (as
test_api_contract.py does for every operation), for a caller who has notifications: the
lists it checks are not empty, and some generated ids are hers."""

import schemathesis

from market.notifications import services
from tests.integration.members_factories import bearer, make_user
from tests.integration.test_api_contract import check_operation
from tests.integration.test_notifications_services import PARAMS


def test_the_notifications_operations_answer_as_documented(app, db):
    user = make_user(db, "contract@example.org")
    for kind, params in PARAMS.items():
        services.notify(db.session, [user.id], kind, params, "/offres/1")
    db.session.commit()
    headers = bearer(db, user)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in
                  schema.include(path_regex="^/api/v1/notifications").get_all_operations()]
    assert len(operations) == 3
    for operation in operations:
        check_operation(operation, headers)
