"""Marshmallow fields and messages for members, in French first (msgids stay French)."""

import re

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

#: Default marshmallow messages, translated; lazy so each request gets its own language.
MESSAGES = {
    "required": _l("Ce champ est obligatoire."),
    "null": _l("Ce champ ne peut pas être vide."),
    "validator_failed": _l("Valeur invalide."),
}

MONEY_PATTERN = re.compile(r"\d{1,13}\.\d{2}")


def plain_messages(messages):
    """Return marshmallow messages with every message a str inside a list.

    marshmallow wraps a str message in a list but keeps a lazy string bare, and the API
    promises lists of messages.
    """
    if isinstance(messages, dict):
        return {key: plain_messages(value) for key, value in messages.items()}
    if isinstance(messages, list):
        return [m if isinstance(m, str) else plain_messages(m) if isinstance(m, dict | list)
                else str(m) for m in messages]
    return [str(messages)]


class InputSchema(Schema):
    """Input: unknown fields are refused; messages are French first, always lists of str."""

    error_messages = {"unknown": _l("Champ inconnu."), "type": _l("Objet JSON attendu.")}

    def handle_error(self, error, data, *, many, **kwargs):
        """Normalise the messages before the error leaves the schema."""
        error.messages = plain_messages(error.messages)


def printable(value: str) -> None:
    """Refuse NUL and other control characters (PostgreSQL cannot even store NUL)."""
    if any(ord(c) < 32 and c not in "\t\n\r" for c in value):
        raise ValidationError(str(_l("Caractères de contrôle interdits.")))


def text(max_length: int, *validators, **kwargs) -> fields.String:
    """A string of at most ``max_length`` characters, also checked by ``validators``."""
    length = validate.Length(max=max_length, error=_l("Au plus {max} caractères."))
    return fields.String(validate=[length, printable, *validators],
                         error_messages={**MESSAGES, "invalid": _l("Texte attendu.")}, **kwargs)


def count(**kwargs) -> fields.Integer:
    """A non-negative whole number (people, units); floats and strings are refused."""
    return fields.Integer(
        strict=True, validate=validate.Range(min=0, max=10_000_000,
                                             error=_l("Entre {min} et {max}.")),
        error_messages={**MESSAGES, "invalid": _l("Nombre entier attendu.")}, **kwargs)


def coordinate(limit: int, **kwargs) -> fields.Decimal:
    """A latitude (90) or longitude (180) in degrees, as a decimal string or a number."""
    def within(value) -> None:
        if not -limit <= value <= limit:
            raise ValidationError(str(_l("Entre %(low)s et %(high)s.", low=-limit, high=limit)))

    # A function rather than validate.Range: apispec would print Range's bounds as strings.
    return fields.Decimal(
        places=6, as_string=True, validate=within,
        error_messages={**MESSAGES, "invalid": _l("Nombre décimal attendu."),
                        "special": _l("Nombre décimal attendu.")},
        metadata={"description": f"Degrees, from -{limit} to {limit}."}, **kwargs)


def choice(values, **kwargs) -> fields.String:
    """One of ``values`` (an enumeration or a list of strings)."""
    allowed = [getattr(v, "value", v) for v in values]
    return fields.String(
        validate=validate.OneOf(allowed, error=_l("Valeur inconnue.")),
        error_messages={**MESSAGES, "invalid": _l("Texte attendu.")}, **kwargs)


def string_list(item: fields.Field, max_items: int, **kwargs) -> fields.List:
    """A list of at most ``max_items`` items."""
    return fields.List(
        item, validate=validate.Length(max=max_items, error=_l("Au plus {max} éléments.")),
        error_messages={**MESSAGES, "invalid": _l("Liste attendue.")}, **kwargs)


def email_or_empty(value: str) -> None:
    """Accept an empty string or a well-formed email address."""
    if value:
        validate.Email(error=_l("Adresse électronique invalide."))(value)


def url_or_empty(value: str) -> None:
    """Accept an empty string or an http(s) URL."""
    if value:
        validate.URL(schemes={"http", "https"},
                     error=_l("Adresse web invalide (http:// ou https://)."))(value)


def format_cents(cents: int) -> str:
    """Write integer cents as a decimal string with two decimals ("1250.00")."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole}.{rest:02d}"


def parse_cents(value: str) -> int:
    """Read a non-negative euro amount written "1250.00" into integer cents."""
    if not MONEY_PATTERN.fullmatch(value):
        raise ValueError(value)
    return int(value.replace(".", ""))


class Money(fields.String):
    """Euros as a decimal string with exactly two decimals, stored as integer cents.

    A JSON number is refused: floats cannot hold every amount exactly.
    """

    default_error_messages = {
        "invalid": _l("Montant attendu sous forme de texte avec deux décimales, "
                      "par exemple \"1250.00\"."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).update(
            {"pattern": MONEY_PATTERN.pattern, "example": "125000.00"})
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else format_cents(value)

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        try:
            return parse_cents(value)
        except ValueError:
            raise self.make_error("invalid") from None

