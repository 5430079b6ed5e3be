"""Pure pieces of auth: safe redirects, role parsing, access rules, token hashing."""

from types import SimpleNamespace

import pytest

from market.auth.access import member, network
from market.auth.redirects import safe_next
from market.auth.roles import MEMBER_SCOPED, NETWORK_SCOPED, Role, parse_role
from market.auth.tokens import TOKEN_PREFIX, hash_token
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


class FakeUser(SimpleNamespace):
    """Holds (role, member_id) pairs like User.roles."""

    def has_role(self, role, member_id=None):
        return any(r == role and (member_id is None or m == member_id) for r, m in self.held)


ADMIN_OF_7 = FakeUser(held=[(Role.member_admin, 7)])
NETWORK_ADMIN = FakeUser(held=[(Role.network_admin, None)])


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


def test_tokens_are_stored_as_their_sha256_and_never_as_themselves():
    token = TOKEN_PREFIX + "abc"
    assert hash_token(token) == hash_token(token)
    assert len(hash_token(token)) == 64 and token not in hash_token(token)
