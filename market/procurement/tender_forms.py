"""The tender and lot forms as the writing API's schemas load them, and back.

A submitted form becomes the JSON body the API takes (``tender_body``, ``lot_body``), so a
field is valid on the page exactly when it is valid through the API. What the page adds is
only what people type: a day and an hour in Paris for the deadline, a decimal comma, an empty
box for "none", CPV codes one per line. Messages come back flat, keyed by the form's field
names ("documents.2.url", "place.postcode", "criteria.1.weight").
"""

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal

from flask_babel import gettext as _

from market.members.fields import format_cents
from market.offers import places
from market.offers.forms import decimal_text, integer
from market.procurement import nuts
from market.procurement.models import Lot, Reservation, Tender
from market.procurement.writing import PARIS
from market.web import field_messages

#: Document rows the form shows at least, and criteria rows (a stored tender with more
#: shows them all: the API takes up to 50 documents and 20 criteria).
DOCUMENT_ROWS, CRITERION_ROWS = 10, 5
MAX_DOCUMENTS, MAX_CRITERIA = 50, 20
TENDER_TEXTS = ("reference", "title", "description", "procedure", "published_on",
                "deadline_date", "deadline_time")
LOT_TEXTS = ("lot_id", "title", "description", "cpv_main", "cpv_additional",
             "estimated_value", "duration_days", "reservation", "insertion_hours")
PLACE_TEXTS = ("postcode", "city", "department", "nuts", "latitude", "longitude")
CRITERION_TEXTS = ("kind", "name", "weight", "description")
#: The deadline's hour when the form opens on a new tender.
DEFAULT_HOUR = "12:00"
_SEPARATORS = re.compile(r"[\s,;]+")
_MICRO = Decimal("0.000001")


def flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as {"a.0.b": [message, ...]}, in the reader's language."""
    found: dict[str, list[str]] = {}
    if not isinstance(messages, dict):
        return {prefix: [str(m) for m in field_messages.translate(messages)]}
    for key, value in messages.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            for inner, texts in flatten(value, name).items():
                found.setdefault(inner, []).extend(texts)
        else:
            listed = value if isinstance(value, list | tuple) else [value]
            found.setdefault(name, []).extend(str(field_messages.translate(m)) for m in listed)
    return found


def renamed(errors: dict[str, list[str]], kind: str, rows: list[int]) -> dict:
    """``errors`` with the schema's list index of ``kind`` replaced by the form's row."""
    found: dict[str, list[str]] = {}
    for name, texts in errors.items():
        head, _dot, rest = name.partition(".")
        index, _dot2, tail = rest.partition(".")
        if head == kind and index.isdigit() and int(index) < len(rows):
            name = ".".join(part for part in (kind, str(rows[int(index)]), tail) if part)
        found.setdefault(name, []).extend(texts)
    return found


def texts(form, names) -> dict[str, str]:
    """The form's fields ``names`` as sent ("" when left out)."""
    return {name: form.get(name, "") for name in names}


def rows_sent(form, kind: str, names, most: int) -> dict[str, str]:
    """The rows of ``kind`` the form sent, as {"kind.i.name": text}."""
    return {f"{kind}.{i}.{name}": form.get(f"{kind}.{i}.{name}", "")
            for i in range(most) for name in names if f"{kind}.{i}.{name}" in form}


def filled_rows(values: dict, kind: str, names, most: int) -> list[int]:
    """The rows of ``kind`` where something was typed (the others are no row)."""
    return [i for i in range(most)
            if any(values.get(f"{kind}.{i}.{name}", "").strip() for name in names)]


# -- the tender ------------------------------------------------------------------------------

def tender_values(form) -> dict[str, str]:
    """What the tender form sent, as typed."""
    return {**texts(form, (*TENDER_TEXTS, "member")),
            **rows_sent(form, "documents", ("title", "url"), MAX_DOCUMENTS)}


def stored_tender_values(tender: Tender) -> dict[str, str]:
    """A stored tender as its form shows it (the deadline as its day and hour in Paris)."""
    deadline = tender.deadline.astimezone(PARIS) if tender.deadline else None
    values = {"reference": tender.reference, "title": tender.title,
              "description": tender.description, "procedure": tender.procedure,
              "published_on": tender.published_on.isoformat() if tender.published_on else "",
              "deadline_date": deadline.date().isoformat() if deadline else "",
              "deadline_time": deadline.strftime("%H:%M") if deadline else ""}
    for i, document in enumerate(tender.documents):
        values[f"documents.{i}.title"] = document.title
        values[f"documents.{i}.url"] = document.url
    return values


def deadline_instant(day: str, hour: str, errors: dict) -> str | None:
    """The deadline typed as a day and an hour in Paris, as an ISO instant in UTC."""
    day, hour = day.strip(), hour.strip()
    if not day and not hour:
        return None
    if not day or not hour:
        errors["deadline"] = [_("Donnez le jour et l'heure de la date limite.")]
        return None
    try:
        local = datetime.combine(date.fromisoformat(day), time.fromisoformat(hour),
                                 tzinfo=PARIS)
        return local.astimezone(UTC).isoformat()
    except (ValueError, OverflowError):
        errors["deadline"] = [_("Date (AAAA-MM-JJ) et heure (HH:MM) attendues.")]
        return None


def tender_body(values: dict, procedures, errors: dict) -> tuple[dict, list[int]]:
    """The API's body for the tender form's ``values``, and the form row of each document;
    what cannot even be read goes in ``errors``."""
    procedure = values.get("procedure", "").strip()
    if procedure and procedure not in procedures:
        errors["procedure"] = [_("Procédure inconnue.")]
    body = {"reference": values.get("reference", "").strip(),
            "title": values.get("title", "").strip(),
            "description": values.get("description", ""), "procedure": procedure,
            "published_on": values.get("published_on", "").strip() or None,
            "deadline": deadline_instant(values.get("deadline_date", ""),
                                         values.get("deadline_time", ""), errors)}
    rows = filled_rows(values, "documents", ("title", "url"), MAX_DOCUMENTS)
    body["documents"] = [{"title": values.get(f"documents.{i}.title", "").strip(),
                          "url": values.get(f"documents.{i}.url", "").strip()} for i in rows]
    return body, rows


def document_rows(values: dict) -> int:
    """How many document rows the form shows: at least ten, every one given."""
    given = filled_rows(values, "documents", ("title", "url"), MAX_DOCUMENTS)
    return max(DOCUMENT_ROWS, given[-1] + 1 if given else 0)


# -- the lot ---------------------------------------------------------------------------------

def lot_values(form) -> dict[str, str]:
    """What the lot form sent, as typed."""
    return {**texts(form, LOT_TEXTS),
            **{f"place.{name}": form.get(f"place.{name}", "") for name in PLACE_TEXTS},
            **rows_sent(form, "criteria", CRITERION_TEXTS, MAX_CRITERIA)}


def derived(value: Decimal | None, centroid: Decimal | float | None) -> bool:
    """Whether a stored coordinate is the centroid the service found (not typed)."""
    return value is not None and centroid is not None and \
        Decimal(value).quantize(_MICRO) == Decimal(str(round(float(centroid), 6))).quantize(_MICRO)


def stored_lot_values(lot: Lot) -> dict[str, str]:
    """A stored lot as its form shows it; coordinates the service found from the NUTS code
    or the department are left empty, to be found again if the place changes."""
    codes = lot.cpv_codes
    values = {"lot_id": lot.lot_id, "title": lot.title, "description": lot.description,
              "cpv_main": codes[0] if codes else "", "cpv_additional": "\n".join(codes[1:]),
              "estimated_value": "" if lot.estimated_value_minor is None
              else format_cents(lot.estimated_value_minor),
              "duration_days": "" if lot.duration_days is None else str(lot.duration_days),
              "reservation": lot.reservation,
              "insertion_hours": "" if lot.insertion_hours is None else str(lot.insertion_hours),
              "place.postcode": lot.postcode, "place.city": lot.city,
              "place.department": lot.department, "place.nuts": lot.nuts}
    centroids = [nuts.place_for(lot.nuts).latitude if lot.nuts else None]
    point = places.department_point(lot.department) if lot.department else None
    centroids.append(point.latitude if point else None)
    found = any(derived(lot.latitude, c) for c in centroids)
    for name in ("latitude", "longitude"):
        value = getattr(lot, name)
        values[f"place.{name}"] = "" if value is None or found else f"{value.normalize():f}"
    for i, criterion in enumerate(lot.criteria):
        values.update({f"criteria.{i}.kind": criterion.kind, f"criteria.{i}.name": criterion.name,
                       f"criteria.{i}.description": criterion.description,
                       f"criteria.{i}.weight": "" if criterion.weight is None
                       else f"{criterion.weight.normalize():f}"})
    return values


def number(text: str, scale: int = 0):
    """A typed number as the schema reads it: None when empty, a decimal comma allowed."""
    text = text.strip()
    if not text:
        return None
    return integer(text) if scale == 0 else text.replace(",", ".")


def lot_body(values: dict) -> tuple[dict, dict]:
    """The API's body for the lot form's ``values``, and the form rows of its CPV codes and
    criteria (to put the schema's messages back next to the right field)."""
    main = values.get("cpv_main", "").strip()
    extra = [code for code in _SEPARATORS.split(values.get("cpv_additional", "")) if code]
    value = values.get("estimated_value", "").strip()
    place = {name: values.get(f"place.{name}", "").strip()
             for name in ("postcode", "city", "department")}
    place["nuts"] = values.get("place.nuts", "").strip().upper()
    for name in ("latitude", "longitude"):
        place[name] = number(values.get(f"place.{name}", ""), 6)
    place = {name: given for name, given in place.items() if given not in ("", None)}
    body = {"lot_id": values.get("lot_id", "").strip() or None,
            "title": values.get("title", "").strip(),
            "description": values.get("description", ""),
            "cpv": ([main] if main else []) + extra,
            "estimated_value": decimal_text(value, 2) if value else None,
            "place": place,
            "duration_days": number(values.get("duration_days", "")),
            "reservation": values.get("reservation", "").strip() or Reservation.none.value,
            "insertion_hours": number(values.get("insertion_hours", ""))}
    rows = filled_rows(values, "criteria", ("kind", "name", "weight"), MAX_CRITERIA)
    body["criteria"] = []
    for i in rows:
        criterion = {"name": values.get(f"criteria.{i}.name", "").strip(),
                     "description": values.get(f"criteria.{i}.description", ""),
                     "weight": number(values.get(f"criteria.{i}.weight", ""), 2)}
        kind = values.get(f"criteria.{i}.kind", "").strip()
        body["criteria"].append({"kind": kind, **criterion} if kind else criterion)
    cpv_rows = ["main"] * bool(main) + ["additional"] * len(extra)
    return body, {"criteria": rows, "cpv": cpv_rows, "main": main}


def lot_errors(errors: dict[str, list[str]], rows: dict) -> dict[str, list[str]]:
    """The schema's or the service's messages keyed by the lot form's fields: a CPV message
    goes to the field holding the code it names (or its position)."""
    errors = renamed(errors, "criteria", rows["criteria"])
    found: dict[str, list[str]] = {}
    for name, messages in errors.items():
        if name == "estimated_value_minor":
            name = "estimated_value"
        if name == "cpv" or name.startswith("cpv."):
            index = name.partition(".")[2]
            for message in messages:
                if index.isdigit() and int(index) < len(rows["cpv"]):
                    side = rows["cpv"][int(index)]
                else:
                    side = "main" if rows["main"] and rows["main"] in message else "additional"
                found.setdefault(f"cpv_{side}", []).append(message)
            continue
        found.setdefault(name, []).extend(messages)
    return found


def criterion_rows(values: dict) -> int:
    """How many criterion rows the form shows: at least five, every one given."""
    given = filled_rows(values, "criteria", ("kind", "name", "weight"), MAX_CRITERIA)
    return max(CRITERION_ROWS, given[-1] + 1 if given else 0)
