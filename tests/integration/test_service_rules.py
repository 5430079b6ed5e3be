"""Rules that hold in the services themselves, whoever calls them (a page, the API, the CLI):
each refusal raises before anything is written, which the tests check by committing after
the refusal and comparing every table."""

from datetime import UTC, datetime, timedelta

import pytest

from market.auth import membership, signin
from market.auth.roles import NETWORK_SCOPED, Role
from market.members import services
from market.members.models import Member, MemberStatus
from market.web.errors import Forbidden, ValidationError
from tests.integration.auth_helpers import SIRETS, make_member
from tests.integration.db_writes import database_rows, written
from tests.integration.ledger_api_helpers import make_user as make_fast_user
from tests.integration.members_factories import PASSWORD

T0 = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)


def refused(db, error, call, *args, **kwargs):
    """Call ``call``, which must raise ``error``; commit, and check that nothing was written.
    Return the exception."""
    before = database_rows(db)
    with pytest.raises(error) as caught:
        call(db.session, *args, **kwargs)
    db.session.commit()  # whatever the call left in the session would now be stored
    assert written(before, database_rows(db)) == set()
    db.session.expire_all()
    return caught.value


def make_user(db, email, role=None, member=None):
    """A user holding ``role`` (for ``member`` when member-scoped), with a cheap hash."""
    roles = [] if role is None else [(role, None if role in NETWORK_SCOPED else member.id)]
    return make_fast_user(db, email, roles)


def fields_of(error: ValidationError) -> set[str]:
    return set(error.details["fields"])


# Approving or rejecting a member is for network admins, whatever else a user holds.

#: (role, the member it is held for: "pending" itself, another "active" one, or None)
NOT_ADMINS = [
    (None, None),
    (Role.member_admin, "pending"),
    (Role.member_admin, "active"),
    (Role.member_treasurer, "active"),
    (Role.member_staff, "active"),
    (Role.buyer, "active"),
    (Role.network_treasurer, None),
]


@pytest.fixture
def claim(db) -> dict:
    """A pending member, and an active one."""
    return {"pending": make_member(db, SIRETS[0], "En attente", MemberStatus.pending),
            "active": make_member(db, SIRETS[1], "Active")}


@pytest.mark.parametrize("decide", [membership.approve_member, membership.reject_member],
                         ids=["approve", "reject"])
@pytest.mark.parametrize(("role", "held_for"), NOT_ADMINS,
                         ids=[f"{r or 'no role'}-{m or 'network'}" for r, m in NOT_ADMINS])
def test_only_a_network_admin_decides_on_a_membership(db, claim, decide, role, held_for):
    user = make_user(db, "someone@example.org", role, claim.get(held_for))
    error = refused(db, Forbidden, decide, user, claim["pending"].id)
    assert error.status == 403
    assert db.session.get(Member, claim["pending"].id).status == MemberStatus.pending


@pytest.mark.parametrize(("decide", "status"), [
    (membership.approve_member, MemberStatus.active),
    (membership.reject_member, MemberStatus.rejected)], ids=["approve", "reject"])
def test_a_network_admin_decides_on_a_membership(db, claim, decide, status):
    admin = make_user(db, "admin@reseau.example", Role.network_admin)
    before = database_rows(db)
    decide(db.session, admin, claim["pending"].id)
    db.session.commit()
    assert written(before, database_rows(db)) == {"members"}
    db.session.expire_all()
    assert db.session.get(Member, claim["pending"].id).status == status


# A French organisation needs a SIRET; others may give a foreign identifier instead.

@pytest.mark.parametrize("data", [
    {"name": "Sans SIRET"},
    {"name": "Sans SIRET", "country": "FR"},
    {"name": "Sans SIRET", "country": "FR", "siret": ""},
    {"name": "Sans SIRET", "country": "FR", "siret": None},
    {"name": "Sans SIRET", "country": "FR", "foreign_id": "ES-B12345678"},
], ids=["country by default", "FR", "empty", "None", "a foreign id"])
def test_a_french_member_cannot_be_created_without_a_siret(db, data):
    error = refused(db, ValidationError, services.create_member, data)
    assert fields_of(error) == {"siret"}


def test_a_foreign_member_is_created_without_a_siret(db):
    member = services.create_member(db.session, {"name": "Coop Barcelona", "country": "ES",
                                                 "foreign_id": "ES-B12345678"})
    db.session.commit()
    assert (member.country, member.siret) == ("ES", None)


@pytest.fixture
def french(db) -> Member:
    return make_member(db, SIRETS[0], "Française")


@pytest.fixture
def spanish(db) -> Member:
    member = services.create_member(db.session, {"name": "Coop Barcelona", "country": "ES"})
    db.session.commit()
    return member


@pytest.mark.parametrize("change", [{"siret": None}, {"siret": ""}, {"siret": "  "},
                                    {"siret": None, "country": "FR"}])
def test_a_french_member_cannot_drop_its_siret(db, french, change):
    error = refused(db, ValidationError, services.update_member, french, change)
    assert fields_of(error) == {"siret"}
    assert db.session.get(Member, french.id).siret == SIRETS[0]


def test_a_foreign_member_moving_to_france_must_bring_a_siret(db, spanish):
    error = refused(db, ValidationError, services.update_member, spanish, {"country": "FR"})
    assert fields_of(error) == {"siret"}
    assert db.session.get(Member, spanish.id).country == "ES"
    services.update_member(db.session, spanish, {"country": "FR", "siret": SIRETS[2]})
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Member, spanish.id)
    assert (stored.country, stored.siret, stored.siren) == ("FR", SIRETS[2], SIRETS[2][:9])


def test_a_french_member_leaving_france_may_drop_its_siret(db, french):
    services.update_member(db.session, french, {"country": "BE", "siret": None})
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Member, french.id).siret is None


def test_an_edit_touching_neither_country_nor_siret_keeps_what_was_accepted(db, spanish):
    services.update_member(db.session, spanish, {"description": "Cooperativa"})
    db.session.commit()
    assert db.session.get(Member, spanish.id).description == "Cooperativa"


# No more people on insertion paths than employees in all.

def creation(**counts) -> dict:
    return {"name": "Effectifs", "siret": SIRETS[3], **counts}


@pytest.mark.parametrize("counts", [{"headcount": 10, "insertion_headcount": 11},
                                    {"headcount": 0, "insertion_headcount": 1}])
def test_a_member_is_not_created_with_more_insertion_than_employees(db, counts):
    error = refused(db, ValidationError, services.create_member, creation(**counts))
    assert fields_of(error) == {"insertion_headcount"}


@pytest.mark.parametrize("counts", [{"headcount": 10, "insertion_headcount": 10},
                                    {"headcount": 10}, {"insertion_headcount": 3},
                                    {"headcount": 0, "insertion_headcount": 0}])
def test_a_member_is_created_with_at_most_as_many_in_insertion_as_employees(db, counts):
    member = services.create_member(db.session, creation(**counts))
    db.session.commit()
    assert (member.headcount, member.insertion_headcount) == (
        counts.get("headcount"), counts.get("insertion_headcount"))


def staffed_member(db) -> Member:
    """A member of 10 employees, 5 of them on insertion paths."""
    member = services.create_member(db.session, creation(headcount=10, insertion_headcount=5))
    db.session.commit()
    return member


@pytest.mark.parametrize("change", [
    {"insertion_headcount": 11},
    {"headcount": 4},
    {"headcount": 0},
    {"headcount": 20, "insertion_headcount": 21},
    {"headcount": 4, "insertion_headcount": 5},
], ids=["insertion only", "headcount only", "headcount to zero", "both, too many",
        "both, headcount too low"])
def test_an_update_may_not_put_more_in_insertion_than_employees(db, change):
    member = staffed_member(db)
    error = refused(db, ValidationError, services.update_member, member, change)
    assert fields_of(error) == {"insertion_headcount"}
    stored = db.session.get(Member, member.id)
    assert (stored.headcount, stored.insertion_headcount) == (10, 5)


@pytest.mark.parametrize(("change", "after"), [
    ({"insertion_headcount": 10}, (10, 10)),
    ({"headcount": 5}, (5, 5)),
    ({"headcount": 3, "insertion_headcount": 2}, (3, 2)),
    ({"insertion_headcount": None}, (10, None)),
    ({"headcount": None, "insertion_headcount": 12}, (None, 12)),
], ids=["insertion up to headcount", "headcount down to insertion", "both lower",
        "insertion unknown", "headcount unknown"])
def test_an_update_keeping_insertion_within_headcount_is_stored(db, change, after):
    member = staffed_member(db)
    services.update_member(db.session, member, change)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Member, member.id)
    assert (stored.headcount, stored.insertion_headcount) == after


# The sign-in window: N seconds from its first use, then a fresh one.

def start(db, at, email="alice@example.org", ip="192.0.2.1", window=60):
    attempt = signin.start_login(db.session, email, ip, max_attempts=1,
                                 window_seconds=window, now=at)
    db.session.commit()
    return attempt


def fail(db, attempt) -> None:
    with pytest.raises(signin.InvalidCredentials):
        signin.finish_login(db.session, attempt, "not the password")
    db.session.commit()


@pytest.mark.parametrize("window", [1, 60, 900])
def test_a_full_sign_in_window_refuses_until_its_last_second_and_opens_again_after(db, window):
    make_user(db, "alice@example.org", Role.network_admin)
    fail(db, start(db, T0, window=window))
    last = T0 + timedelta(seconds=window - 1)
    error = refused(db, signin.TooManyAttempts, signin.start_login, "alice@example.org",
                    "192.0.2.1", max_attempts=1, window_seconds=window, now=last)
    assert error.retry_after == 1
    # Another email from the same address, the same email from another: each limit holds.
    refused(db, signin.TooManyAttempts, signin.start_login, "bob@example.org", "192.0.2.1",
            max_attempts=1, window_seconds=window, now=last)
    refused(db, signin.TooManyAttempts, signin.start_login, "alice@example.org",
            "198.51.100.7", max_attempts=1, window_seconds=window, now=last)
    attempt = start(db, T0 + timedelta(seconds=window), window=window)
    user = signin.finish_login(db.session, attempt, PASSWORD)
    db.session.commit()
    assert user.email == "alice@example.org"


def test_a_refused_sign_in_does_not_move_the_window(db):
    """Refusals at T+1 … T+59 open no window: the one opened at T still ends at T+60."""
    make_user(db, "alice@example.org", Role.network_admin)
    fail(db, start(db, T0))
    for second in (1, 30, 59):
        refused(db, signin.TooManyAttempts, signin.start_login, "alice@example.org",
                "192.0.2.1", max_attempts=1, window_seconds=60,
                now=T0 + timedelta(seconds=second))
    fail(db, start(db, T0 + timedelta(seconds=60)))
    error = refused(db, signin.TooManyAttempts, signin.start_login, "alice@example.org",
                    "192.0.2.1", max_attempts=1, window_seconds=60,
                    now=T0 + timedelta(seconds=119))
    assert error.retry_after == 1


def test_a_successful_sign_in_gives_its_use_back(db):
    make_user(db, "alice@example.org", Role.network_admin)
    signin.finish_login(db.session, start(db, T0), PASSWORD)
    db.session.commit()
    fail(db, start(db, T0 + timedelta(seconds=1)))  # the window still had room
    refused(db, signin.TooManyAttempts, signin.start_login, "alice@example.org", "192.0.2.1",
            max_attempts=1, window_seconds=60, now=T0 + timedelta(seconds=59))


# timeout_seconds without pending: ledger.transfer (and both kinds of batch) refuse it before
# writing anything, in tests/integration/test_ledger_hold_rules.py
# (test_a_timeout_without_pending_is_refused_before_anything_is_written); not repeated here.
