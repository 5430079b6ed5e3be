"""Security headers on every response: pages, API answers, errors and static files alike.

The Content-Security-Policy allows nothing inline (the templates hold no inline script or
style: keep it that way) and no frame around our pages. A view that needs more (a payment
page that loads Stripe's script) sets its own ``Content-Security-Policy`` header, which is
left as it is. HSTS is sent when cookies are Secure, i.e. when the site is served over
HTTPS.
"""

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


def init_app(app: Flask) -> None:
    """Add the headers to every response of ``app``."""
    headers = dict(HEADERS)
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
