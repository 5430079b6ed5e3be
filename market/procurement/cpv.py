"""The Common Procurement Vocabulary (CPV 2008, Regulation (EC) 213/2008): codes and labels.

The 9,455 codes ship in market/data/procurement/cpv-2008.csv (8 digits, English label) and are
read once. French labels come from the eForms list of social and other specific services
(light regime), the only shipped list that has them: other codes are labelled in English.

A CPV code may be written with its check digit ("77310000-6"). The check digit is accepted but
not verified: the algorithm documented for it does not reproduce the published digits, as the
Publications Office acknowledged (OP-TED/ePO discussion #589, 2024: "an error made by the
colleagues who were responsible for the last revision of the CPV in 2008"), and no shipped list
carries the digits. A code is valid when its 8 digits are in the vocabulary.
"""

import csv
import re
from functools import cache
from importlib import resources

_CODE = re.compile(r"(\d{8})(?:-(\d))?")


def _read_csv(name: str) -> list[dict[str, str]]:
    """Return the rows of a CSV file under market/data/procurement."""
    path = resources.files("market").joinpath("data/procurement", name)
    with path.open("r", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@cache
def _english() -> dict[str, str]:
    """Return {code: English label} for every CPV 2008 code."""
    return {row["code"]: row["label_en"] for row in _read_csv("cpv-2008.csv")}


@cache
def _social_services() -> dict[str, str]:
    """Return {code: French label} for the social and other specific services."""
    return {row["code"]: row["label_fr"] for row in _read_csv("cpv-social-services.csv")}


def normalise(code: str) -> str:
    """Return the 8 digits of a CPV code given as "77310000" or "77310000-6"; else ValueError."""
    text = code.strip() if isinstance(code, str) else ""
    match = _CODE.fullmatch(text)
    if match is None:
        raise ValueError(f"malformed CPV code {code!r}: expected 8 digits, optionally followed "
                         "by a dash and the check digit (77310000 or 77310000-6)")
    digits = match.group(1)
    if digits not in _english():
        raise ValueError(f"unknown CPV code {digits}: not in the CPV 2008 vocabulary")
    return digits


def is_known(code: str) -> bool:
    """Tell whether ``code`` is a well-formed code of the CPV 2008 vocabulary."""
    try:
        normalise(code)
    except ValueError:
        return False
    return True


def label(code: str, language: str = "en") -> str:
    """Return the label of ``code``: French when asked and known, English otherwise."""
    digits = normalise(code)
    if language == "fr" and digits in _social_services():
        return _social_services()[digits]
    return _english()[digits]


def is_social_service(code: str) -> bool:
    """Tell whether ``code`` is a social or other specific service (the light regime)."""
    return normalise(code) in _social_services()
