"""Validate OCDS release packages against the schemas in market/data/procurement/ocds.

The schemas are OCDS 1.1 patched with the extensions of the OCDS for eForms profile (lots
included), JSON Schema draft 4. The package schema refers to the release schema by its URL: a
referencing registry resolves that URL to the shipped file, so validation never goes online.
"""

import json
from functools import cache
from importlib import resources

from jsonschema import Draft4Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4

#: How many problems a refusal lists at most.
MAX_PROBLEMS = 20
#: How long a problem's message may be (an enum's message lists every allowed code).
MAX_MESSAGE = 200


def _schema(name: str) -> dict:
    """Return a shipped schema."""
    path = resources.files("market").joinpath("data/procurement/ocds", name)
    return json.loads(path.read_text("utf-8"))


@cache
def _validator() -> Draft4Validator:
    """Return the release package validator, with the release schema resolved locally."""
    package, release = _schema("release-package-schema.json"), _schema("release-schema.json")
    registry = Registry().with_resources(
        (schema["id"], DRAFT4.create_resource(schema)) for schema in (package, release))
    return Draft4Validator(package, registry=registry)


def _path(path) -> str:
    """Return a JSON path as slash-separated keys and indexes ("releases/0/tender")."""
    return "/".join(str(part) for part in path) or "(package)"


def _message(message: str) -> str:
    """Return a validation message cut to a readable length."""
    return message if len(message) <= MAX_MESSAGE else message[:MAX_MESSAGE - 1] + "…"


def validate(package: object) -> list[str]:
    """Return what makes ``package`` no valid release package, at most MAX_PROBLEMS of them."""
    errors = sorted(_validator().iter_errors(package),
                    key=lambda e: [(0, p, "") if isinstance(p, int) else (1, 0, p)
                                   for p in e.absolute_path])
    problems = [f"{_path(e.absolute_path)}: {_message(e.message)}"
                for e in errors[:MAX_PROBLEMS]]
    if len(errors) > MAX_PROBLEMS:
        problems.append(f"… and {len(errors) - MAX_PROBLEMS} more")
    return problems
