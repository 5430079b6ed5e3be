"""French company identifiers (SIREN, SIRET), checked with python-stdnum."""

from flask_babel import gettext as _
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError
from stdnum.fr import siren, siret


class InvalidIdentifier(ValueError):
    """A SIREN or SIRET that is malformed or fails its check digit."""


def clean_siret(value: str) -> str:
    """Return the 14 digits of a valid SIRET or raise InvalidIdentifier with a clear message."""
    try:
        return siret.validate(value)
    except InvalidChecksum:
        raise InvalidIdentifier(_("Ce SIRET a une clé de contrôle invalide : vérifiez les "
                                  "14 chiffres.")) from None
    except (InvalidFormat, InvalidLength):
        raise InvalidIdentifier(_("Un SIRET compte exactement 14 chiffres.")) from None
    except ValidationError:
        raise InvalidIdentifier(_("Ce SIRET n'est pas valide.")) from None


def clean_siren(value: str) -> str:
    """Return the 9 digits of a valid SIREN or raise InvalidIdentifier with a clear message."""
    try:
        return siren.validate(value)
    except InvalidChecksum:
        raise InvalidIdentifier(_("Ce SIREN a une clé de contrôle invalide.")) from None
    except ValidationError:
        raise InvalidIdentifier(_("Un SIREN compte exactement 9 chiffres.")) from None


def siren_of(valid_siret: str) -> str:
    """Return the SIREN (first 9 digits) of a valid SIRET."""
    return siret.to_siren(valid_siret)
