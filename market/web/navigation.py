"""Links shown in the header, each visible only to the users it concerns."""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, url_for
from flask_babel import lazy_gettext
from flask_login import current_user


@dataclass(frozen=True)
class NavLink:
    """A header link: a label, an endpoint and who sees it."""

    label: object
    endpoint: str
    visible: Callable[[object], bool]


_links: list[NavLink] = []


def add_link(label: str, endpoint: str, visible: Callable[[object], bool]) -> None:
    """Register a header link (call at import time of a views module)."""
    if all(link.endpoint != endpoint for link in _links):
        _links.append(NavLink(lazy_gettext(label), endpoint, visible))


def init_app(app: Flask) -> None:
    """Expose ``nav_links()`` to templates."""

    def nav_links():
        user = current_user if current_user.is_authenticated else None
        return [{"label": link.label, "url": url_for(link.endpoint)}
                for link in _links if user is not None and link.visible(user)]

    app.jinja_env.globals["nav_links"] = nav_links
