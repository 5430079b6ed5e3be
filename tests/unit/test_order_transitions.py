"""The order state machine as a table: every (state, action) pair, every side."""

import itertools
from types import SimpleNamespace

import pytest

from market.orders import services
from market.orders.models import OrderState
from market.web.errors import BusinessRuleError, InvalidState

ACTIONS = ("accept", "reject", "cancel", "deliver", "confirm", "expire")
SIDES = ({services.BUYER}, {services.SELLER})


class NoDatabase:
    """A session that must not be reached: refusals happen before any query."""

    def connection(self):
        raise AssertionError("a refused transition reached the database")


@pytest.mark.parametrize(("state", "action"), [
    pair for pair in itertools.product(OrderState, ACTIONS)
    if pair not in services.ORDER_TRANSITIONS])
def test_a_pair_outside_the_table_is_an_invalid_state(state, action):
    order = SimpleNamespace(state=state.value)
    with pytest.raises(InvalidState):
        services.act(NoDatabase(), order, action, {services.BUYER, services.SELLER})


@pytest.mark.parametrize(("state", "action", "side"), [
    (state, action, side) for (state, action) in services.ORDER_TRANSITIONS
    for side in SIDES if action != "expire" and not side & services.ACTORS[action]])
def test_only_the_side_the_table_names_may_act(state, action, side):
    order = SimpleNamespace(state=state.value)
    with pytest.raises(BusinessRuleError) as refused:
        services.act(NoDatabase(), order, action, side)
    assert refused.value.code == "forbidden"


def test_the_table_is_the_documented_machine():
    assert {(s.value, a, t.value) for (s, a), t in services.ORDER_TRANSITIONS.items()} == {
        ("requested", "accept", "accepted"), ("requested", "reject", "rejected"),
        ("requested", "cancel", "cancelled"), ("accepted", "cancel", "cancelled"),
        ("accepted", "deliver", "delivered"), ("accepted", "confirm", "completed"),
        ("delivered", "confirm", "completed"), ("accepted", "expire", "expired"),
        ("delivered", "expire", "expired")}
    assert services.ACTORS == {"accept": {"seller"}, "reject": {"seller"},
                               "deliver": {"seller"}, "confirm": {"buyer"},
                               "cancel": {"buyer", "seller"}, "expire": set()}
