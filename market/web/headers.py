"""Security headers on every response: pages, API answers, errors and static files alike.

The Content-Security-Policy allows nothing inline (the templates hold no inline script or
style: keep it that way) and no frame around our pages. A view that needs more (a payment
page that loads Stripe's script) sets its own ``Content-Security-Policy`` header, which is
left as it is. HSTS is sent when cookies are Secure, i.e. when the site is served over
HTTPS. The one thing the policy allows beyond the site itself: the map's tiles, images from
the origin of ``MAP_TILE_URL`` when one is set (``img-src`` only, worked out once per app).
"""

import logging
import re
from urllib.parse import urlsplit

from flask import Flask

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000; includeSubDomains"
#: A host as a CSP source may name it: letters, digits, hyphens and dots, maybe after "*.".
CSP_HOST = re.compile(r"(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*")

log = logging.getLogger(__name__)


def tile_source(tile_url: str | None) -> str | None:
    """The CSP source of the map tiles' origin (``https://tile.example.org:8080``), or None
    when no tile server is set, the tiles are the site's own (a relative URL: 'self' allows
    them), or the URL names no origin a policy can state (logged: then no tile loads).
    Leaflet's leading ``{s}.`` (subdomains) becomes ``*.``; credentials are left out."""
    url = (tile_url or "").strip()
    if not url:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is not None and not parts.scheme and not parts.netloc:
        return None
    host = (parts.hostname or "") if parts is not None else ""
    if host.startswith("{s}."):
        host = "*." + host[len("{s}."):]
    if parts is None or parts.scheme not in ("http", "https", "") or not CSP_HOST.fullmatch(host):
        log.warning("MAP_TILE_URL %r names no origin a policy can allow: no tile will load",
                    url)
        return None
    scheme = f"{parts.scheme}://" if parts.scheme else ""
    return f"{scheme}{host}" + (f":{port}" if port is not None else "")


def content_security_policy(tile_url: str | None) -> str:
    """The policy of the site, its ``img-src`` also allowing the tile server's origin."""
    source = tile_source(tile_url)
    if source is None:
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace("img-src 'self' data:",
                                           f"img-src 'self' data: {source}", 1)


def init_app(app: Flask) -> None:
    """Add the headers to every response of ``app``."""
    headers = dict(HEADERS)
    headers["Content-Security-Policy"] = content_security_policy(app.config.get("MAP_TILE_URL"))
    if app.config["SESSION_COOKIE_SECURE"]:
        headers["Strict-Transport-Security"] = HSTS
    pairs = [(name.lower(), name, value) for name, value in headers.items()]

    @app.after_request
    def add_security_headers(response):
        # One pass over the response's headers (it is on every request): a header the view
        # set itself is kept.
        present = {name.lower() for name in response.headers.keys()}
        response.headers.extend([(name, value) for key, name, value in pairs
                                 if key not in present])
        return response
