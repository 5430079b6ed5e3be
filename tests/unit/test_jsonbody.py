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
