"""A warning when the app runs behind a proxy it was not told about.

Behind a reverse proxy without ``PROXY_FIX_HOPS`` every request seems to come from the
proxy's address, so every visitor shares one bucket of the sign-in and sign-up limits: one
person's mistyped passwords lock everyone out. Requests that carry ``X-Forwarded-For`` or
``Forwarded`` tell; the first one makes the process log a warning (once).
"""

import logging

from flask import Flask, request

log = logging.getLogger(__name__)
FORWARDING_HEADERS = ("X-Forwarded-For", "Forwarded")
#: The same headers as the WSGI environ names them (read there: it is on every request).
_ENVIRON_KEYS = tuple("HTTP_" + h.upper().replace("-", "_") for h in FORWARDING_HEADERS)


def init_app(app: Flask) -> None:
    """Watch for forwarded requests when ``PROXY_FIX_HOPS`` is 0."""
    if app.config["PROXY_FIX_HOPS"]:
        return
    warned = []

    @app.before_request
    def warn_about_an_unknown_proxy():
        if warned or not any(key in request.environ for key in _ENVIRON_KEYS):
            return
        warned.append(True)
        log.warning("requests come through a proxy (%s, from %s) but PROXY_FIX_HOPS is 0: "
                    "every visitor shares the proxy's address, hence one bucket of the "
                    "sign-in limit; set PROXY_FIX_HOPS to the number of proxies in front",
                    next(h for h in FORWARDING_HEADERS if h in request.headers),
                    request.remote_addr)
