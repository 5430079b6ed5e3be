"""Flask's signed-cookie sessions, minus the signer for requests that carry no cookie."""

from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class CookieSessionInterface(SecureCookieSessionInterface):
    """Open an empty session at once when there is no session cookie (API calls).

    Flask builds an itsdangerous signer on every request before it looks for the cookie;
    on the API's hot path that was a measurable share of the request.
    """

    def open_session(self, app, request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)
