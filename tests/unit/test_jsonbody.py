"""The JSON body limits, in memory: MAX_DEPTH levels are fine, one more is a decode error."""

import json

import pytest

from market.web.jsonbody import MAX_DEPTH, loads


def nested(levels: int, opener: str = "[") -> str:
    closer = {"[": "]", "{": "}"}[opener]
    inner = '{"a": 1}' if opener == "{" else "1"
    if opener == "{":
        return '{"a": ' * (levels - 1) + inner + "}" * (levels - 1)
    return opener * levels + inner + closer * levels


@pytest.mark.parametrize("opener", ["[", "{"])
@pytest.mark.parametrize("as_bytes", [False, True])
def test_a_body_nested_max_depth_levels_is_read_and_one_more_is_refused(opener, as_bytes):
    def text(levels):
        body = nested(levels, opener)
        return body.encode() if as_bytes else body

    assert loads(text(MAX_DEPTH)) == json.loads(text(MAX_DEPTH))
    with pytest.raises(json.JSONDecodeError, match="nested deeper"):
        loads(text(MAX_DEPTH + 1))


def test_brackets_inside_strings_do_not_make_a_body_deep():
    body = {"description": "[{" * 100, "postings": [{"amount": "1.00"}]}
    assert loads(json.dumps(body)) == body


def test_a_wide_shallow_body_is_read():
    body = {"transfers": [{"postings": [{"from": i, "to": i + 1}]} for i in range(200)]}
    assert loads(json.dumps(body).encode()) == body


def test_a_body_too_deep_for_the_parser_itself_is_a_decode_error():
    with pytest.raises(json.JSONDecodeError):
        loads("[" * 100_000 + "]" * 100_000)


def provider_app(debug: bool = False):
    """A bare Flask app with the project's JSON provider."""
    from flask import Flask

    from market.web.jsonbody import Provider

    app = Flask(__name__)
    app.json = Provider(app)
    app.debug = debug
    return app


def test_responses_are_flask_s_json_written_by_orjson():
    from dataclasses import dataclass
    from datetime import UTC, datetime
    from decimal import Decimal

    from flask.json.provider import DefaultJSONProvider

    @dataclass
    class Point:
        x: int

    class Lazy:  # what flask-babel's lazy strings offer Flask's encoder
        def __html__(self):
            return "Produit"

    app = provider_app()
    value = {"b": [1, 2.5, None, True], "a": "é€", "when": datetime(2026, 12, 2, 8, tzinfo=UTC),
             "amount": Decimal("12.50"), "lazy": Lazy(), "point": Point(3)}
    with app.test_request_context():
        response = app.json.response(value)
        flask_text = DefaultJSONProvider(app).dumps(value, separators=(",", ":"))
    body = response.get_data()
    assert response.mimetype == "application/json" and body.endswith(b"}\n")
    # Keys sorted, instants as HTTP dates and decimals as text, as Flask writes them; UTF-8.
    assert json.loads(body) == json.loads(flask_text)
    assert body.index(b'"a"') < body.index(b'"amount"') < body.index(b'"b"')
    assert '"é€"'.encode() in body and b'"lazy":"Produit"' in body
    assert b'"when":"Wed, 02 Dec 2026 08:00:00 GMT"' in body


@pytest.mark.parametrize("value", [{"n": 2**64}, {1: "a"}, {"s": "\ud800"}])
def test_what_orjson_refuses_is_written_by_json(value):
    app = provider_app()
    with app.test_request_context():
        body = app.json.response(value).get_data()
    assert json.loads(body) == json.loads(json.dumps(value))


def test_debug_responses_stay_indented():
    app = provider_app(debug=True)
    with app.test_request_context():
        assert b'\n  "a": 1' in app.json.response({"a": 1}).get_data()
