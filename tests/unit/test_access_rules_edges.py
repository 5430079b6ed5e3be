"""Edges of the access rules, in memory: every rule is built inside its test (the app's
access tables are built at import, so a test that changes how rules are built must build
them itself), roles that count or not, what a member's status allows, the ledger's Viewer
and when it is computed again."""

import pytest
from flask import Blueprint, Flask
from flask_login import AnonymousUserMixin
from werkzeug.local import LocalProxy

from market.auth.access import member, network
from market.auth.models import SignedInUser
from market.auth.roles import Role, allows, parse_role
from market.auth.tokens import Grant, TokenUser
from market.treasury.access import Viewer, sees_network_books, sees_treasury
from market.web.access import any_of, protect, public, signed_in


def user_with(*grants, user_id=1) -> TokenUser:
    """A signed-in user holding (role, member_id, member_status) grants."""
    return TokenUser(user_id, f"user{user_id}@example.org", "", "fr", 1,
                     tuple(Grant(*g) for g in grants))


def admin_of(member_id: int, status: str = "active") -> TokenUser:
    return user_with((Role.member_admin, member_id, status))


def never(user, view_args) -> bool:
    return False


def always(user, view_args) -> bool:
    return True


# network(): users holding one of the network roles, and nobody else.

def test_a_network_rule_admits_the_holders_of_its_roles_only():
    rule = network(Role.network_admin, Role.network_treasurer)
    assert rule(user_with((Role.network_treasurer, None, None)), {}) is True
    assert rule(user_with((Role.network_admin, None, None)), {}) is True
    assert rule(admin_of(7), {"member_id": 7}) is False
    assert rule(user_with(), {}) is False
    assert rule(None, {}) is False
    assert network(Role.network_admin)(user_with((Role.network_treasurer, None, None)),
                                       {}) is False


def test_a_network_rule_is_named_after_its_roles():
    assert network(Role.network_admin, Role.network_treasurer).__name__ == \
        "network(network_admin, network_treasurer)"
    assert network(Role.network_admin).__name__ == "network(network_admin)"


# member(): a role for the member the URL names, as far as its status allows.

def test_a_member_rule_admits_a_role_for_the_member_the_url_names_only():
    rule = member(Role.member_admin)
    assert rule(admin_of(7), {"member_id": 7}) is True
    assert rule(admin_of(7), {"member_id": "7"}) is True  # URL arguments may be strings
    assert rule(admin_of(7), {"member_id": 8}) is False
    assert rule(admin_of(7), {}) is False
    assert rule(None, {"member_id": 7}) is False
    assert member(Role.member_staff)(admin_of(7), {"member_id": 7}) is False
    assert member(Role.member_admin, arg="id")(admin_of(7), {"id": 7, "member_id": 8}) is True


def test_a_member_rule_counts_a_role_as_far_as_the_members_status_allows():
    suspended = admin_of(7, "suspended")
    assert member(Role.member_admin, acting="read")(suspended, {"member_id": 7}) is True
    assert member(Role.member_admin)(suspended, {"member_id": 7}) is False
    assert member(Role.member_admin, acting="read")(admin_of(7, "pending"),
                                                    {"member_id": 7}) is False


def test_a_member_rule_is_named_after_its_roles_and_what_it_does():
    assert member(Role.member_admin, Role.member_staff, acting="read").__name__ == \
        "member(member_admin, member_staff; read)"
    assert member(Role.member_treasurer).__name__ == "member(member_treasurer; write)"


# any_of(): the union of its rules, each asked with the same user and arguments.

def test_any_of_admits_whom_one_of_its_rules_admits():
    assert any_of(never, always)(None, {}) is True
    assert any_of(never, never)(None, {}) is False
    assert any_of()(None, {}) is False
    rule = any_of(member(Role.member_admin), network(Role.network_admin))
    assert rule(admin_of(7), {"member_id": 7}) is True  # the user and the arguments go on
    assert rule(admin_of(7), {"member_id": 8}) is False
    assert rule(user_with((Role.network_admin, None, None)), {"member_id": 8}) is True
    assert any_of(signed_in)(admin_of(7), {}) is True
    assert any_of(signed_in)(None, {}) is False


def test_any_of_is_named_after_its_rules():
    assert any_of(public, signed_in).__name__ == "public | signed_in"
    assert any_of(member(Role.member_admin), network(Role.network_admin)).__name__ == \
        "member(member_admin; write) | network(network_admin)"


def test_protect_keeps_the_blueprints_access_table():
    bp = Blueprint("guarded", __name__)
    rules = {"view": signed_in}
    protect(bp, rules)
    assert bp.access_rules is rules
    assert len(bp.before_request_funcs[None]) == 1


# Roles held, roles that count.

def test_holding_a_role_means_that_role_for_that_member():
    staff = user_with((Role.member_staff, 7, "active"))
    assert staff.holds_role(Role.member_staff, 7)
    assert staff.holds_role(Role.member_staff)  # for some member
    assert not staff.holds_role(Role.member_admin, 7)
    assert not staff.holds_role(Role.member_admin)
    assert not staff.holds_role(Role.member_staff, 8)
    rejected = user_with((Role.member_admin, 9, "rejected"))
    assert rejected.holds_role(Role.member_admin, 9)  # granted, whatever the status
    assert not rejected.has_role(Role.member_admin, 9, "read")


def test_member_ids_default_to_every_member_role_and_skip_network_roles():
    user = user_with((Role.buyer, 3, "active"), (Role.member_staff, 4, "suspended"),
                     (Role.network_admin, None, None))
    assert user.member_ids() == {3}
    assert user.member_ids(acting="read") == {3, 4}
    assert user.member_ids(Role.member_staff, acting="read") == {4}
    assert user.claimed_member_ids() == {3, 4}


def test_allows_says_what_each_status_lets_a_role_do():
    assert [allows(s, "read") for s in ("active", "suspended", "pending", "rejected")] == [
        True, True, False, False]
    assert [allows(s, "write") for s in ("active", "suspended", "pending", "rejected")] == [
        True, False, False, False]
    assert allows(None, "read") and allows(None, "write")
    with pytest.raises(ValueError, match=r"^acting is read or write, not 'delete'$"):
        allows("active", "delete")


def test_parse_role_returns_the_role_or_lists_the_valid_ones():
    assert parse_role("buyer") is Role.buyer
    assert parse_role("network_admin") is Role.network_admin
    with pytest.raises(ValueError) as caught:
        parse_role("emperor")
    assert str(caught.value) == (
        "unknown role 'emperor'; valid roles: member_admin, member_staff, member_treasurer, "
        "buyer, network_treasurer, network_admin, clause_facilitator")


# The ledger's Viewer.

def test_the_viewer_of_nobody_has_no_rights():
    nobody = Viewer()
    assert Viewer.of(None) == nobody
    assert Viewer.of(AnonymousUserMixin()) == nobody
    assert Viewer.of(object()) == nobody  # not a user at all: not signed in


def test_the_viewer_of_a_user_outside_any_request_follows_the_users_roles():
    assert Viewer.of(user_with((Role.network_admin, None, None))) == Viewer(
        network=True, network_admin=True)
    assert Viewer.of(user_with((Role.network_treasurer, None, None))) == Viewer(network=True)
    mixed = user_with((Role.member_admin, 1, "active"), (Role.member_treasurer, 2, "active"),
                      (Role.member_staff, 3, "active"), (Role.member_admin, 4, "suspended"),
                      (Role.buyer, 5, "active"), (Role.member_admin, 6, "pending"))
    assert Viewer.of(mixed) == Viewer(movers=frozenset({1, 2}), readers=frozenset({1, 2, 3, 4}),
                                      admins=frozenset({1}))


def test_a_viewer_reads_and_moves_as_far_as_its_members_go():
    viewer = Viewer(movers=frozenset({1}), readers=frozenset({1, 2}))
    assert viewer.reads("member:1") and viewer.reads("member:2")
    assert not viewer.reads("member:3") and not viewer.reads(None)
    assert viewer.moves("member:1")
    assert not viewer.moves("member:2") and not viewer.moves(None)
    network_wide = Viewer(network=True)
    assert network_wide.reads(None) and network_wide.moves(None)
    assert network_wide.moves("member:3")


class CountingUser(SignedInUser):
    """A signed-in user that counts how often its roles are asked about."""

    def __init__(self, *grants):
        self.id, self.active, self.session_version = 1, True, 1
        self.roles = tuple(Grant(*g) for g in grants)
        self.asked = 0

    def has_role(self, *args, **kwargs):
        self.asked += 1
        return super().has_role(*args, **kwargs)


def test_the_viewer_is_computed_once_per_user_and_request():
    user = CountingUser((Role.member_treasurer, 1, "active"))
    with Flask(__name__).app_context():
        first = Viewer.of(user)
        asked = user.asked
        assert Viewer.of(user) is first
        assert user.asked == asked
    with Flask(__name__).app_context():  # another request: computed again
        assert Viewer.of(user) == first
        assert user.asked == 2 * asked


def test_the_remembered_viewer_is_never_another_users():
    treasurer = user_with((Role.member_treasurer, 1, "active"), user_id=1)
    network_admin = user_with((Role.network_admin, None, None), user_id=2)
    with Flask(__name__).app_context():
        assert Viewer.of(treasurer).movers == {1}
        assert Viewer.of(network_admin).network
        assert Viewer.of(treasurer).movers == {1} and not Viewer.of(treasurer).network


def test_the_viewer_of_the_current_user_proxy_is_the_viewer_of_the_user_behind_it():
    """A proxy (flask-login's current_user) stays the same object while the user behind it
    changes (a sign-in during the request): the viewer follows the user, not the proxy."""
    behind = {"user": user_with((Role.member_treasurer, 1, "active"), user_id=1)}
    current = LocalProxy(lambda: behind["user"])
    with Flask(__name__).app_context():
        assert Viewer.of(current).movers == {1}
        behind["user"] = user_with((Role.network_treasurer, None, None), user_id=2)
        assert Viewer.of(current) == Viewer(network=True)


def test_the_treasury_links_follow_the_viewer():
    treasurer = user_with((Role.network_treasurer, None, None))
    suspended_treasurer = user_with((Role.member_treasurer, 1, "suspended"))
    staff = user_with((Role.member_staff, 1, "active"))
    assert sees_treasury(treasurer) and sees_network_books(treasurer)
    assert sees_treasury(suspended_treasurer)  # still reads its accounts
    assert not sees_network_books(suspended_treasurer)
    assert not sees_treasury(staff) and not sees_network_books(staff)
    assert sees_treasury(admin_of(1)) and not sees_network_books(admin_of(1))
