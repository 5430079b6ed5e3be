"""The order form on an offer page: WTForms renders it; the API's schema checks the values.

The submitted form is turned into the JSON API's body (``payload``) and loaded with
OrderInSchema, then given to the same use case as the API, so an order is valid on the page
exactly when it is valid through the API. What the page adds is only what people type: a
decimal comma ("12,50"), an empty part for "nothing in this currency".
"""

import re
import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    Field,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)

from market.offers import labels as offer_labels
from market.offers.models import FeeKind, Offer
from market.web.field_messages import translate

NOTE_MAX = 2000
#: Messages of these go on the form as a whole.
FORM_LEVEL = ("offer",)


class OrderForm(FlaskForm):
    """Quantity, delivery method, the buyer's member, a note; the payment parts are added
    per offer (``build_form``)."""

    offer = HiddenField()
    #: One order per page shown: a second submit of the same form (a double click, the
    #: browser's "resend") finds the first order instead of placing another.
    request_key = HiddenField()
    member = SelectField(_l("Structure qui commande"), validate_choice=False)
    quantity = StringField(_l("Quantité"), default="1",
                           render_kw={"type": "number", "min": "1", "step": "1",
                                      "inputmode": "numeric"})
    delivery = RadioField(_l("Mode de remise"), validate_choice=False)
    note = TextAreaField(_l("Note au vendeur (facultative)"),
                         render_kw={"rows": 3, "maxlength": str(NOTE_MAX)})


def part_name(code: str) -> str:
    """The form field of the payment part in ``code``."""
    return f"pay_{code}"


def payment_codes(offer: Offer, currencies: dict[str, dict]) -> list[str]:
    """The currencies one may pay ``offer`` in: its own first, then the accepted ones the
    ledger knows."""
    accepted = [c for c in offer.accepted_currencies if c in currencies and c != offer.currency]
    return [offer.currency, *(accepted if offer.currency_share else [])]


def delivery_label(delivery, currency: str, scale: int) -> str:
    """"Livraison dans un rayon (30 km) — frais : 10,00 EUR"."""
    text = str(offer_labels.DELIVERIES.get(delivery.kind, delivery.kind))
    where = delivery.address or (f"{delivery.radius_km} km" if delivery.radius_km else "") \
        or delivery.region or ""
    if where:
        text += f" ({where})"
    if delivery.fee_kind == FeeKind.fixed and delivery.fee_minor:
        fee = offer_labels.money(delivery.fee_minor, currency, scale)
        return f"{text} — {_l('frais : %(fee)s', fee=fee)}"
    if delivery.fee_kind == FeeKind.quoted:
        return f"{text} — {_l('frais sur devis')}"
    return f"{text} — {_l('sans frais')}"


def build_form(offer: Offer, members: list, currencies: dict[str, dict]) -> OrderForm:
    """The form of ``offer``: one part per currency it is paid in, its deliveries, the
    buyer's member when the user orders for several. A POST is read as sent."""
    parts = {part_name(code): StringField(_l("Part en %(code)s", code=code),
                                          render_kw={"inputmode": "decimal",
                                                     "autocomplete": "off"})
             for code in payment_codes(offer, currencies)}
    form_class = type("OfferOrderForm", (OrderForm,), parts)
    form = form_class(offer=str(offer.id), request_key=secrets.token_urlsafe(24))
    scale = currencies.get(offer.currency, {}).get("scale", 2)
    form.delivery.choices = [SelectChoice(str(d.id), delivery_label(d, offer.currency, scale))
                             for d in offer.deliveries]
    if not offer.deliveries:
        del form.delivery
    form.member.choices = [SelectChoice(str(m.id), m.name) for m in members]
    if len(members) < 2:
        del form.member
    return form


def request_key(form: OrderForm) -> str | None:
    """The form's one-order key as sent, or None when missing or not one we hand out."""
    # raw_data, not data: a key missing from the POST would otherwise be build_form's new one.
    key = (form.request_key.raw_data or [""])[0].strip()
    return key if re.fullmatch(r"[A-Za-z0-9_-]{16,64}", key) else None


def parts(form: OrderForm) -> list[Field]:
    """The payment part fields, the offer's currency first."""
    return [f for name, f in form._fields.items() if name.startswith("pay_")]


def decimal_text(value: str, scale: int) -> str:
    """What people type ("12,5", "1 250,50", "12") as the API writes it ("12.50")."""
    value = re.sub(r"[\s\u00a0\u202f]", "", value).replace(",", ".")
    found = re.fullmatch(r"(\d+)(?:\.(\d*))?", value)
    if found and scale and len(found.group(2) or "") < scale:
        return f"{found.group(1)}.{(found.group(2) or '').ljust(scale, '0')}"
    return value


def integer(value: str):
    """Digits as an integer; anything else as typed, for the schema to refuse."""
    return int(value) if re.fullmatch(r"\d{1,12}", value) else value


def payload(form: OrderForm, offer: Offer, currencies: dict[str, dict]) -> tuple[dict, list]:
    """The JSON API's body (OrderInSchema) from the submitted form, and the part field of
    each item of its ``payment`` (to put their messages back on the form). Parts left empty
    are no part; no part at all is everything in the offer's currency (the API's default)."""
    data: dict = {"offer": offer.id,
                  "note": (form.note.data or "").replace("\r\n", "\n").strip()}
    quantity = (form.quantity.data or "").strip()
    if quantity:
        data["quantity"] = integer(quantity)
    if "delivery" in form and form.delivery.data:
        data["delivery"] = integer(form.delivery.data.strip())
    payment, fields = [], []
    for field in parts(form):
        value = (field.data or "").strip()
        if value:
            code = field.name[len("pay_"):]
            payment.append({"currency": code,
                            "amount": decimal_text(value, currencies[code]["scale"])})
            fields.append(field)
    if payment:
        data["payment"] = payment
    return data, fields


def show_errors(form: OrderForm, errors: dict, part_fields: list) -> None:
    """Put the schema's or the use case's messages (translated) on the fields they name;
    those of the payment as a whole in ``form.payment_errors``, others on the form."""
    for name, messages in errors.items():
        if name == "payment" and isinstance(messages, dict):  # the schema's, by item
            for index, item in messages.items():
                target = part_field(part_fields, index)
                flat = [m for sub in item.values() for m in sub] if isinstance(item, dict) \
                    else item
                add(form, target, flat)
            continue
        if name == "payment":  # the mix as a whole: shown with the parts
            form.payment_errors = [*getattr(form, "payment_errors", []),
                                   *(str(m) for m in translate(list(messages)))]
            continue
        target = None
        if name.startswith("payment."):  # the use case's: payment.<i>.amount or .currency
            target = part_field(part_fields, name.split(".")[1])
        elif name not in FORM_LEVEL:
            target = form._fields.get(name)
        if isinstance(messages, dict):
            messages = [m for item in messages.values() for m in item]
        add(form, target, messages)


def part_field(part_fields: list, index) -> Field | None:
    index = int(index) if str(index).isdigit() else -1
    return part_fields[index] if 0 <= index < len(part_fields) else None


def add(form: OrderForm, target: Field | None, messages) -> None:
    texts = [str(m) for m in translate(list(messages))]
    if target is None or target.name in ("csrf_token", "offer"):
        form.form_errors.extend(texts)
    else:
        target.errors = [*target.errors, *texts]


def has_errors(form: OrderForm) -> bool:
    return bool(form.form_errors or getattr(form, "payment_errors", None)
                or any(f.errors for f in form))


def cap_text(offer: Offer, currencies: dict[str, dict]) -> str | None:
    """The most one may pay in complementary currencies, per unit ordered."""
    if not offer.currency_share or len(payment_codes(offer, currencies)) < 2:
        return None
    scale = currencies.get(offer.currency, {}).get("scale", 2)
    cap = offer.price_minor * offer.currency_share // 100
    return str(_l("Au plus %(share)s %% du prix, soit %(cap)s par %(unit)s commandé "
                  "(frais de remise exclus), en une ou plusieurs de ces monnaies.",
                  share=offer.currency_share, cap=offer_labels.money(cap, offer.currency, scale),
                  unit=offer.unit))



class ReferenceForm(FlaskForm):
    """How the other side did, once the order is completed."""

    member = HiddenField()
    rating = RadioField(_l("Appréciation"), validate_choice=False,
                        choices=[SelectChoice("positive", _l("Positive")),
                                 SelectChoice("neutral", _l("Neutre")),
                                 SelectChoice("negative", _l("Négative"))])
    comment = TextAreaField(_l("Commentaire (facultatif)"),
                            render_kw={"rows": 3, "maxlength": str(NOTE_MAX)})


class ReplyForm(FlaskForm):
    """The one reply of the member a reference speaks of."""

    member = HiddenField()
    reply = TextAreaField(_l("Votre réponse"), render_kw={"rows": 3, "maxlength": str(NOTE_MAX)})


def text_of(field: Field) -> str:
    """A text box's value as the API takes it (line breaks as sent by a browser normalised)."""
    return (field.data or "").replace("\r\n", "\n").strip()
