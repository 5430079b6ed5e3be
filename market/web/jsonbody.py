"""JSON request bodies, read once and refused when no honest client would send them.

A body nested deeper than MAX_DEPTH (or so deep that the parser itself gives up) is a 400,
like any malformed body: the stdlib parser would otherwise raise RecursionError, which no
layer treats as bad input. The parsed body is kept on the request, so that the API's
argument parser and the idempotency fingerprint read it once between them.
"""

import json

import orjson
from flask import Request
from flask.json.provider import DefaultJSONProvider
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import UnsupportedMediaType

#: Deepest nesting a body may have ({"transfers": [{"postings": [{...}]}]} is 5).
MAX_DEPTH = 32
_CACHED = "_intercoop_json"


def loads(text: str | bytes) -> object:
    """Parse JSON text, refusing bodies nested deeper than MAX_DEPTH (a JSONDecodeError)."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise _too_deep(text) from None
    # A body with at most MAX_DEPTH brackets cannot nest deeper: most are walked not at all.
    if _brackets(text) > MAX_DEPTH and _depth(value) > MAX_DEPTH:
        raise _too_deep(text)
    return value


def _brackets(text: str | bytes) -> int:
    """How many "[" and "{" the text holds (inside strings too: an upper bound on depth)."""
    if isinstance(text, str):
        return text.count("[") + text.count("{")
    return text.count(b"[") + text.count(b"{")


def _too_deep(text) -> json.JSONDecodeError:
    doc = text if isinstance(text, str) else text[:100].decode("utf-8", "replace")
    return json.JSONDecodeError(f"nested deeper than {MAX_DEPTH} levels", doc, 0)


def _depth(value) -> int:
    """How deeply ``value`` nests lists and objects (iteratively: no recursion limit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


def body(req: Request) -> object:
    """The request's JSON body, parsed once (a JSONDecodeError or UnicodeDecodeError when it
    is not acceptable JSON)."""
    cached = getattr(req, _CACHED, None)
    if cached is None:
        cached = (loads(req.get_data(cache=True)),)
        setattr(req, _CACHED, cached)
    return cached[0]


#: Flask's conventions in orjson's terms: sorted keys, and instants and dataclasses handed
#: to Flask's ``default`` (HTTP dates, dicts) rather than orjson's own forms.
_ORJSON_OPTIONS = (orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
                   | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_APPEND_NEWLINE)


class Provider(DefaultJSONProvider):
    """Flask's JSON, with the same limits when a view reads ``request.get_json()``, and
    compact responses written by orjson (the map's 500 features: 2 ms in json, 0.2 ms)."""

    def loads(self, s, **kwargs):
        return loads(s)

    def response(self, *args, **kwargs):
        if (self.compact is None and self._app.debug) or self.compact is False:
            return super().response(*args, **kwargs)
        obj = self._prepare_response_obj(args, kwargs)
        try:
            data = orjson.dumps(obj, default=self.default, option=_ORJSON_OPTIONS)
        except orjson.JSONEncodeError:
            # What orjson leaves to json: integers past 64 bits, keys that are not strings.
            return super().response(obj)
        return self._app.response_class(data, mimetype=self.mimetype)


class Parser(FlaskParser):
    """webargs' parser for flask-smorest, reading the body through ``body``; a body that is
    not declared JSON is refused (415) rather than read as no body at all."""

    def _raw_load_json(self, req):
        if not is_json_request(req):
            if req.get_data(cache=True):
                raise UnsupportedMediaType()
            return core.missing
        return body(req)
