"""Pure pieces of auth: safe redirects, role parsing, access rules, token hashing."""

import pytest

from market.auth.access import member, network
from market.auth.redirects import safe_next
from market.auth.roles import MEMBER_SCOPED, NETWORK_SCOPED, STANDING, Role, allows, parse_role
from market.auth.tokens import TOKEN_PREFIX, Grant, TokenUser, hash_token
from market.web.access import any_of, public, signed_in


@pytest.mark.parametrize("target", ["/", "/account", "/members/3?tab=offers", "/a/b#c"])
def test_local_paths_are_safe_to_redirect_to(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("target", [
    None, "", "https://evil.example/", "//evil.example", "/\\evil.example", "\\\\evil",
    "javascript:alert(1)", "/\t/evil.example", "/\n/evil.example", "evil.example/account",
    "http:/evil.example",
])
def test_other_sites_and_odd_paths_are_not_safe_to_redirect_to(target):
    assert safe_next(target) is None


def test_every_role_is_either_member_scoped_or_network_wide():
    assert MEMBER_SCOPED | NETWORK_SCOPED == set(Role)
    assert not MEMBER_SCOPED & NETWORK_SCOPED


def test_an_unknown_role_is_refused_with_the_valid_ones_listed():
    with pytest.raises(ValueError, match="network_admin"):
        parse_role("emperor")


def user_with(*grants) -> TokenUser:
    """A signed-in user holding (role, member_id, member_status) grants."""
    return TokenUser(1, "someone@example.org", "", "fr", 1, tuple(Grant(*g) for g in grants))


ADMIN_OF_7 = user_with((Role.member_admin, 7, "active"))
NETWORK_ADMIN = user_with((Role.network_admin, None, None))


@pytest.mark.parametrize(("rule", "user", "view_args", "allowed"), [
    (public, None, {}, True),
    (signed_in, None, {}, False),
    (signed_in, ADMIN_OF_7, {}, True),
    (network(Role.network_admin), ADMIN_OF_7, {}, False),
    (network(Role.network_admin), NETWORK_ADMIN, {}, True),
    (member(Role.member_admin), ADMIN_OF_7, {"member_id": 7}, True),
    (member(Role.member_admin), ADMIN_OF_7, {"member_id": 8}, False),
    (member(Role.member_admin), ADMIN_OF_7, {}, False),
    (member(Role.member_staff), ADMIN_OF_7, {"member_id": 7}, False),
    (member(Role.member_admin), None, {"member_id": 7}, False),
    (any_of(member(Role.member_admin), network(Role.network_admin)), NETWORK_ADMIN,
     {"member_id": 8}, True),
])
def test_access_rules_admit_exactly_whom_they_name(rule, user, view_args, allowed):
    assert rule(user, view_args) is allowed


@pytest.mark.parametrize(("status", "reads", "writes"), [
    ("active", True, True), ("suspended", True, False), ("pending", False, False),
    ("rejected", False, False),
])
def test_a_members_status_decides_what_the_roles_held_for_it_allow(status, reads, writes):
    admin = user_with((Role.member_admin, 7, status), (Role.network_treasurer, None, None))
    assert member(Role.member_admin, acting="read")(admin, {"member_id": 7}) is reads
    assert member(Role.member_admin)(admin, {"member_id": 7}) is writes
    assert (7 in admin.member_ids(acting="read"), 7 in admin.member_ids()) == (reads, writes)
    assert admin.holds_role(Role.member_admin, 7)
    assert (7 in admin.claimed_member_ids()) is (status != "rejected")
    assert admin.has_role(Role.network_treasurer)  # network roles are never restricted


def test_every_member_status_has_a_standing_and_only_read_or_write_are_asked():
    from market.members.models import MemberStatus

    assert set(STANDING) == {s.value for s in MemberStatus}
    assert allows(None, "write") and not allows("unheard-of", "read")
    with pytest.raises(ValueError):
        allows("active", "delete")


def test_tokens_are_stored_as_their_sha256_and_never_as_themselves():
    token = TOKEN_PREFIX + "abc"
    assert hash_token(token) == hash_token(token)
    assert len(hash_token(token)) == 64 and token not in hash_token(token)
