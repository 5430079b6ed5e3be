"""Errors follow CONVENTIONS.md: JSON bodies for programs, HTML pages for people."""

import pytest

from market.auth.roles import Role
from tests.integration.members_factories import bearer, make_user


def assert_error_body(response, status: int, code: str):
    assert response.status_code == status
    assert response.is_json
    error = response.json["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], dict)
    assert "Traceback" not in response.get_data(as_text=True)


def test_unknown_api_path_is_a_json_404(client):
    assert_error_body(client.get("/api/v1/no-such-thing"), 404, "not_found")


def test_wrong_method_is_405_with_an_allow_header(client):
    response = client.delete("/healthz")
    assert_error_body(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_unknown_page_is_an_html_404_in_french(client):
    response = client.get("/nulle-part", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "existe pas" in response.get_data(as_text=True)


def test_pages_stay_french_whatever_the_browser_says(client):
    response = client.get("/nulle-part", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "existe pas" in response.get_data(as_text=True)


def test_api_errors_follow_accept_language(client):
    response = client.get("/api/v1/nowhere", headers={"Accept-Language": "en"})
    assert response.json["error"]["message"] == "This page or resource does not exist."


def test_the_language_switch_turns_pages_into_english(client):
    page = client.get("/").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/language", data={"lang": "en", "next": "/", "csrf_token": token})
    response = client.get("/nowhere")
    assert "does not exist" in response.get_data(as_text=True)


def test_a_form_posted_without_csrf_token_is_refused_and_writes_nothing(client):
    response = client.post("/language", data={"lang": "en"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert "lang" not in (client.get_cookie("session").value if client.get_cookie("session")
                          else "")


@pytest.mark.parametrize("body", ["{not json", "[1, 2", '{"name": '])
def test_malformed_json_is_a_400_bad_request(client, db, body):
    headers = bearer(db, make_user(db, "root@example.org", [(Role.network_admin, None)]))
    response = client.post("/api/v1/members", data=body, content_type="application/json",
                           headers=headers)
    assert_error_body(response, 400, "bad_request")


def test_unexpected_errors_are_500_without_a_stack_trace(app, client):
    @app.get("/api/v1/boom-for-test")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/api/v1/boom-for-test")
    assert_error_body(response, 500, "internal_error")
    assert "secret internals" not in response.get_data(as_text=True)
