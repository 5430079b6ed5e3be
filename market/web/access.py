"""Who may call what: one access table per blueprint, checked before every request.

Each blueprint declares ``{endpoint name: rule}``; an endpoint without a rule is refused,
so a new view is closed until someone decides who may use it. Domains write their own
rules (market.auth.access holds the role-based ones).
"""

from collections.abc import Callable

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_login import current_user

from market.web.errors import Forbidden, Unauthenticated

#: A rule answers whether ``user`` (None when anonymous) may call a view with ``view_args``.
Rule = Callable[[object | None, dict], bool]


def public(user, view_args) -> bool:
    """Anyone, signed in or not."""
    return True


def signed_in(user, view_args) -> bool:
    """Any signed-in user."""
    return user is not None


def any_of(*rules: Rule) -> Rule:
    """Users that at least one of ``rules`` admits."""

    def rule(user, view_args) -> bool:
        return any(r(user, view_args) for r in rules)

    rule.__name__ = " | ".join(r.__name__ for r in rules)
    return rule


def protect(bp: Blueprint, rules: dict[str, Rule]) -> None:
    """Check ``rules`` (keyed by view function name) before each request of ``bp``."""
    bp.access_rules = rules

    @bp.before_request
    def check_access():
        endpoint = (request.endpoint or "").rpartition(".")[2]
        rule = rules.get(endpoint)
        if rule is public:
            return None  # no need to load the user (nor touch the database) to say yes
        user = current_user if current_user.is_authenticated else None
        if rule is not None and rule(user, request.view_args or {}):
            return None
        if user is None and rule is not None:
            raise Unauthenticated(_("Connectez-vous pour continuer."))
        raise Forbidden(_("Vous n'avez pas le droit de faire cela."))
