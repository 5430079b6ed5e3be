"""The offer form: WTForms renders it and checks CSRF; the API's schema checks the values.

The submitted form is turned into the JSON API's shape (``payload``) and loaded with
OfferInSchema, so a field is valid on the page exactly when it is valid through the API.
What the page adds is only what people type: a decimal comma ("12,50"), a date without a
time (00:00 in Paris), an empty box for "none".
"""

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    MultipleFileField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.widgets import CheckboxInput, ListWidget

import ledger
from market.offers import labels
from market.offers.models import Offer
from market.web.field_messages import translate

#: Dates people type are days in France: a day starts at 00:00 in Paris.
PARIS = ZoneInfo("Europe/Paris")
#: Delivery rows on the form (the API takes up to 6; three cover what people offer).
DELIVERY_ROWS = 3
#: Text fields whose empty box means "not given" (null for the API).
NULLABLE = ("quantity", "radius_km", "latitude", "longitude", "city", "department", "region",
            "country", "share_min", "share_max")
#: Whole numbers, sent as JSON integers when they are digits (the schema judges the rest).
INTEGERS = ("currency_share", "quantity", "radius_km", "share_min", "share_max")
#: Fields the API requires: an empty box is left out, so the message says "required".
REQUIRED = ("kind", "title", "sector", "unit", "price")
DATES = ("valid_from", "valid_until")
DATE_MESSAGE = _l("Date attendue, au format AAAA-MM-JJ.")


def choices(labelled: dict, empty=None) -> list[SelectChoice]:
    """Turn {value: label} into select options, after an empty one when ``empty`` is set."""
    first = [SelectChoice("", empty)] if empty is not None else []
    return first + [SelectChoice(value, label) for value, label in labelled.items()]


class CheckboxesField(SelectMultipleField):
    """A list of checkboxes (the choices are set when the form is built)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DeliveryForm(Form):
    """One delivery method; a row left on "none" is no delivery method."""

    kind = SelectField(_l("Mode de remise"), validate_choice=False,
                       choices=choices(labels.DELIVERIES, _l("— aucun —")))
    address = StringField(_l("Adresse ou précision"))
    radius_km = StringField(_l("Rayon de livraison (km)"))
    region = StringField(_l("Région livrée"))
    fee_kind = SelectField(_l("Frais de livraison"), validate_choice=False,
                           choices=choices(labels.FEES))
    fee = StringField(_l("Montant du forfait"))


class OfferForm(FlaskForm):
    """An offer as its member's admins and staff write it (every field of OfferInSchema)."""

    member = SelectField(_l("Structure qui propose l'offre"), validate_choice=False)
    kind = SelectField(_l("Type d'offre"), validate_choice=False,
                       choices=choices(labels.KINDS))
    title = StringField(_l("Titre"))
    description = TextAreaField(_l("Description"), render_kw={"rows": 6})
    sector = SelectField(_l("Secteur"), validate_choice=False)
    unit = StringField(_l("Unité"))
    price = StringField(_l("Prix par unité"))
    currency = SelectField(_l("Monnaie du prix"), validate_choice=False, default="EUR")
    currency_share = StringField(_l("Part du prix payable en monnaies complémentaires (%)"),
                                 default="0")
    accepted_currencies = CheckboxesField(_l("Monnaies complémentaires acceptées"),
                                          validate_choice=False)
    quantity = StringField(_l("Quantité disponible"))
    reach = SelectField(_l("Portée"), validate_choice=False, choices=choices(labels.REACHES),
                        default="regional")
    radius_km = StringField(_l("Rayon (km)"))
    latitude = StringField(_l("Latitude"))
    longitude = StringField(_l("Longitude"))
    city = StringField(_l("Commune"))
    department = StringField(_l("Département"))
    region = StringField(_l("Région"))
    country = StringField(_l("Pays (code ISO à deux lettres)"))
    valid_from = StringField(_l("Début de validité"))
    valid_until = StringField(_l("Fin de validité"))
    share_min = StringField(_l("Parts au minimum par souscripteur"))
    share_max = StringField(_l("Parts au maximum par souscripteur"))
    deliveries = FieldList(FormField(DeliveryForm), min_entries=DELIVERY_ROWS,
                           max_entries=DELIVERY_ROWS)
    images = MultipleFileField(_l("Ajouter des images"),
                               render_kw={"accept": "image/jpeg,image/png,image/webp"})
    images_alt = StringField(_l("Texte alternatif des images ajoutées"))
    remove_images = CheckboxesField(_l("Retirer"), validate_choice=False)
    publish = BooleanField(_l("Publier tout de suite"))


def local_date(value: datetime | None) -> str:
    """The day (in Paris) of an instant, as a date input shows it; "" for none."""
    return "" if value is None else value.astimezone(PARIS).date().isoformat()


def initial_data(offer: Offer, scale: int) -> dict:
    """The form's starting values for ``offer``, as text."""
    data = {name: "" if getattr(offer, name) is None else str(getattr(offer, name))
            for name in ("kind", "title", "description", "unit", "currency", "currency_share",
                         "quantity", "reach", "radius_km", "latitude", "longitude", "city",
                         "department", "region", "country", "share_min", "share_max")}
    data.update(sector=offer.sector_code, accepted_currencies=offer.accepted_currencies,
                valid_from=local_date(offer.valid_from),
                valid_until=local_date(offer.valid_until),
                price=ledger.format_amount(offer.price_minor, scale))
    data["deliveries"] = [
        {"kind": d.kind, "address": d.address, "radius_km": "" if d.radius_km is None
         else str(d.radius_km), "region": d.region, "fee_kind": d.fee_kind,
         "fee": "" if d.fee_minor is None else ledger.format_amount(d.fee_minor, scale)}
        for d in offer.deliveries[:DELIVERY_ROWS]]
    return data


def build_form(*, sector_choices: dict, currencies: list[dict], members: list,
               offer: Offer | None = None, scale: int = 2) -> OfferForm:
    """Make the form: the sectors, the ledger's currencies, the members one writes for.

    A POST is read as sent, a box left out being empty (as through the API); a GET of an
    offer shows its values.
    """
    initial = offer is not None and request.method == "GET"
    form = OfferForm(data=initial_data(offer, scale) if initial else None)
    form.sector.choices = [SelectChoice("", _l("Choisissez un secteur"))] + [
        SelectChoice(code, label, optgroup=group)
        for group, options in sector_choices.items() for code, label in options]
    form.currency.choices = [SelectChoice(c["code"], f"{c['code']} — {c['name']}")
                             for c in currencies if c["kind"] == "fiat"]
    form.accepted_currencies.choices = [
        SelectChoice(c["code"], f"{c['code']} — {c['name']}") for c in currencies
        if c["kind"] in ("mutual_credit", "backed")]
    form.member.choices = [SelectChoice(str(m.id), m.name) for m in members]
    if offer is not None or len(members) < 2:
        del form.member
    if offer is not None:
        del form.publish
        form.remove_images.choices = [SelectChoice(str(i.id), i.alt) for i in offer.images]
    else:
        del form.remove_images
    return form


def decimal_text(value: str, scale: int) -> str:
    """What people type ("12,5", "1 250,50", "12") as the API writes it ("12.50")."""
    value = re.sub(r"[\s\u00a0\u202f]", "", value).replace(",", ".")
    found = re.fullmatch(r"(\d+)(?:\.(\d*))?", value)
    if found and scale and len(found.group(2) or "") < scale:
        return f"{found.group(1)}.{(found.group(2) or '').ljust(scale, '0')}"
    return value


def integer(value: str | None):
    """Digits as an integer; anything else as typed, for the schema to refuse."""
    value = (value or "").strip()
    return int(value) if re.fullmatch(r"\d{1,12}", value) else value


def instant(value: str, original: datetime | None):
    """A typed day as an ISO instant at 00:00 in Paris (the stored instant if unchanged)."""
    if original is not None and value == local_date(original):
        return original.isoformat()
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return value  # refused by the schema, worded by show_errors
    if not 1970 <= day.year <= 9998:
        return f"{day.isoformat()}T00:00:00+00:00"  # the schema says which years it takes
    return datetime.combine(day, time(0), PARIS).astimezone(UTC).isoformat()


def payload(form: OfferForm, scales: dict[str, int], offer: Offer | None = None) -> dict:
    """Turn the submitted form into the JSON API's input (OfferInSchema)."""
    text = {name: (form[name].data or "").strip() for name in (
        "kind", "title", "sector", "unit", "price", "currency", "currency_share", "quantity",
        "reach", "radius_km", "latitude", "longitude", "city", "department", "region",
        "country", "valid_from", "valid_until", "share_min", "share_max")}
    scale = scales.get(text["currency"], 2)
    description = (form.description.data or "").replace("\r\n", "\n").strip()
    data: dict = {"description": description}
    for name, value in text.items():
        if name in REQUIRED and not value:
            continue
        if value == "" and (name in NULLABLE or name in DATES):
            data[name] = None
        elif name == "currency_share" and value == "":
            data[name] = 0
        elif name in INTEGERS:
            data[name] = integer(value)
        elif name == "price":
            data[name] = decimal_text(value, scale)
        elif name in ("latitude", "longitude"):
            data[name] = value.replace(",", ".")
        elif name in DATES:
            data[name] = instant(value, getattr(offer, name) if offer else None)
        else:
            data[name] = value.upper() if name == "country" else value
    data["accepted_currencies"] = list(form.accepted_currencies.data or [])
    data["deliveries"] = [row for _index, row in delivery_rows(form, scale)]
    return data


def delivery_rows(form: OfferForm, scale: int) -> list[tuple[int, dict]]:
    """The filled delivery rows as the API's items, with their row on the form."""
    rows = []
    for index, entry in enumerate(form.deliveries.entries):
        values = {name: (entry.form[name].data or "").strip() for name in
                  ("kind", "address", "radius_km", "region", "fee_kind", "fee")}
        if not values["kind"] and not any(values[n] for n in ("address", "radius_km",
                                                               "region", "fee")):
            continue
        row = {"address": values["address"], "region": values["region"],
               "fee_kind": values["fee_kind"] or "free",
               "radius_km": integer(values["radius_km"]) if values["radius_km"] else None,
               "fee": decimal_text(values["fee"], scale) if values["fee"] else None}
        if values["kind"]:
            row["kind"] = values["kind"]
        rows.append((index, row))
    return rows


def show_errors(form: OfferForm, fields: dict, scales: dict[str, int]) -> None:
    """Attach error messages (marshmallow's, translated, or a service's) to the fields."""
    scale = scales.get((form.currency.data or "").strip(), 2)
    rows = [index for index, _row in delivery_rows(form, scale)]
    for name, messages in fields.items():
        if name == "deliveries" and isinstance(messages, dict):
            for item, item_messages in messages.items():
                row = form.deliveries.entries[rows[int(item)]].form
                if not isinstance(item_messages, dict):
                    item_messages = {"kind": item_messages}
                for sub, sub_messages in item_messages.items():
                    target = row._fields.get(sub, row.kind)
                    target.errors = [*target.errors, *map(str, translate(sub_messages))]
            continue
        if name.startswith("deliveries.") and name[11:].isdigit() \
                and int(name[11:]) < len(rows):
            target = form.deliveries.entries[rows[int(name[11:])]].form.kind
        else:
            target = form._fields.get({"image": "images", "alt": "images_alt"}.get(name, name))
        if isinstance(messages, dict):
            messages = [m for item in messages.values() for m in item]
        if name in DATES:  # a date box, not an ISO instant
            messages = [DATE_MESSAGE if str(m).startswith("Not a valid") else m
                        for m in messages]
        messages = translate(list(messages))
        if target is None or name == "csrf_token":
            form.form_errors.extend(str(m) for m in messages)
        else:
            target.errors = [*target.errors, *(str(m) for m in messages)]


def has_errors(form: OfferForm) -> bool:
    """Whether any field, delivery row or the form itself shows an error."""
    return bool(form.form_errors or any(
        field.errors for name, field in form._fields.items() if name != "deliveries")
        or any(f.errors for entry in form.deliveries.entries for f in entry.form))
