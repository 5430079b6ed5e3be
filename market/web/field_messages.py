"""Field messages in the reader's language, however they were written.

marshmallow and the ledger (which knows no Flask) word their field messages in English;
the French-first API translates them when it renders a ``validation_error``, so a stored
refusal replayed later reads in the language of whoever asks then.
"""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

#: Whole messages, from marshmallow's fields and validators and from the ledger.
EXACT = {
    "Missing data for required field.": _l("Champ obligatoire."),
    "Field may not be null.": _l("Ce champ ne peut pas être null."),
    "Invalid value.": _l("Valeur invalide."),
    "Not a valid string.": _l("Texte attendu."),
    "Not a valid utf-8 string.": _l("Texte UTF-8 invalide."),
    "Not a valid integer.": _l("Nombre entier attendu."),
    "Not a valid number.": _l("Nombre attendu."),
    "Number too large.": _l("Nombre trop grand."),
    "Not a valid boolean.": _l("true ou false attendu."),
    "Not a valid list.": _l("Liste attendue."),
    "Invalid type.": _l("Type invalide."),
    "Invalid input type.": _l("Type invalide."),
    "Unknown field.": _l("Champ inconnu."),
    "Not a valid datetime.": _l("Date et heure ISO 8601 attendues."),
    "Not a valid date.": _l("Date ISO 8601 attendue."),
    "Not a valid mapping type.": _l("Objet attendu."),
    "Not a valid email address.": _l("Adresse e-mail invalide."),
    "Special numeric values (nan or infinity) are not permitted.":
        _l("NaN et l'infini ne sont pas des nombres permis."),
    "String does not match expected pattern.": _l("Format invalide."),
    "NUL characters are not allowed.": _l("Le caractère NUL n'est pas permis."),
    "Control characters are not allowed.": _l("Les caractères de contrôle ne sont pas "
                                              "permis."),
    "Plain JSON only (no NaN or Infinity).": _l("Du JSON simple seulement (ni NaN ni Infinity)."),
    "At most 4,000 characters of JSON.": _l("Au plus 4 000 caractères de JSON."),
    "Between 1970 and 9998.": _l("Entre 1970 et 9998."),
    "Not an account id.": _l("Identifiant de compte attendu."),
    "Not an object.": _l("Objet attendu."),
    "An object.": _l("Objet attendu."),
    "Text.": _l("Texte attendu."),
    "Unknown account.": _l("Compte inconnu."),
    "Unknown currency.": _l("Monnaie inconnue."),
    "from and to are the same.": _l("from et to désignent le même compte."),
    "Zero or negative.": _l("Zéro ou négatif."),
    "Zero or positive.": _l("Zéro ou positif."),
    "A text of at most 500 characters.": _l("Un texte d'au plus 500 caractères."),
    "A text of 1 to 128 characters.": _l("Un texte de 1 à 128 caractères."),
    "A positive number of seconds, for a pending transfer.":
        _l("Un nombre positif de secondes, pour un virement en attente."),
}

#: Messages with figures: (pattern, its translation given the pattern's named groups).
PATTERNS = [(re.compile(pattern), message) for pattern, message in (
    (r"Must be greater than or equal to (?P<min>\S+) and less than or equal to (?P<max>\S+)\.",
     lambda **v: _("Entre %(min)s et %(max)s.", **v)),
    (r"Must be greater than or equal to (?P<min>\S+)\.", lambda **v: _("Au moins %(min)s.", **v)),
    (r"Must be less than or equal to (?P<max>\S+)\.", lambda **v: _("Au plus %(max)s.", **v)),
    (r"Must be greater than (?P<min>\S+)\.", lambda **v: _("Plus de %(min)s.", **v)),
    (r"Must be less than (?P<max>\S+)\.", lambda **v: _("Moins de %(max)s.", **v)),
    (r"Length must be between (?P<min>\d+) and (?P<max>\d+)\.",
     lambda **v: _("Longueur de %(min)s à %(max)s.", **v)),
    (r"Length must be (?P<equal>\d+)\.", lambda **v: _("Longueur de %(equal)s exactement.", **v)),
    (r"Shorter than minimum length (?P<min>\d+)\.",
     lambda **v: _("Longueur d'au moins %(min)s.", **v)),
    (r"Longer than maximum length (?P<max>\d+)\.",
     lambda **v: _("Longueur d'au plus %(max)s.", **v)),
    (r"Must be one of: (?P<choices>.+)\.", lambda **v: _("Valeurs permises : %(choices)s.", **v)),
    (r"One of (?P<choices>.+)\.", lambda **v: _("Valeurs permises : %(choices)s.", **v)),
    (r"An integer from (?P<min>\d+) to (?P<max>\d+)\.",
     lambda **v: _("Un entier de %(min)s à %(max)s.", **v)),
    (r"At most (?P<max>\d+) postings in all\.",
     lambda **v: _("Au plus %(max)s écritures en tout.", **v)),
    (r"Between (?P<min>\d+) and (?P<max>\d+) (?:items|postings)\.",
     lambda **v: _("De %(min)s à %(max)s éléments.", **v)),
    (r"(?P<min>\d+) to (?P<max>\d+)(?: chars| characters)?\.",
     lambda **v: _("De %(min)s à %(max)s.", **v)),
)]


def translate(messages):
    """The same structure of field messages, each in the request's language."""
    if isinstance(messages, dict):
        return {key: translate(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [translate(item) for item in messages]
    if not isinstance(messages, str):
        return messages
    if messages in EXACT:
        return str(EXACT[messages])
    for pattern, message in PATTERNS:
        if found := pattern.fullmatch(messages):
            return message(**found.groupdict())
    return messages
