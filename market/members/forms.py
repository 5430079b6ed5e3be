"""The profile edit form: WTForms renders it and checks CSRF; the API's schema checks values.

Form data is turned into the JSON API's shape and loaded with MemberUpdateSchema, so a
field is valid on the page exactly when it is valid through the API.
"""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField

from market.members import labels
from market.members.fields import format_cents
from market.members.models import Member

#: Fields whose empty value means "unknown" (null) rather than an empty text.
NULLABLE = ("siret", "foreign_id", "insee_code", "nuts_code", "latitude", "longitude",
            "turnover", "headcount", "insertion_headcount")
UPPER = ("country", "nuts_code", "insee_code")


def choices(labelled: dict) -> list[SelectChoice]:
    """Turn {value: label} into select options."""
    return [SelectChoice(value, label) for value, label in labelled.items()]


class MemberForm(FlaskForm):
    """A member's public profile, as its admins (and network admins) edit it."""

    name = StringField(_l("Nom"))
    siret = StringField(_l("SIRET"))
    foreign_id = StringField(_l("Identifiant hors de France"))
    legal_form = SelectField(_l("Forme juridique"), choices=choices(labels.LEGAL_FORMS))
    inclusion_kind = SelectField(_l("Type de structure d'insertion"),
                                 choices=choices(labels.INCLUSION_KINDS))
    status = SelectField(_l("Statut"), choices=choices(labels.STATUSES))
    description = TextAreaField(_l("Présentation"), render_kw={"rows": 5})
    sectors = SelectMultipleField(_l("Secteurs d'activité"), validate_choice=False,
                                  render_kw={"size": 10})
    networks = SelectMultipleField(_l("Réseaux"), validate_choice=False)
    address = StringField(_l("Adresse"))
    postcode = StringField(_l("Code postal"))
    city = StringField(_l("Commune"))
    insee_code = StringField(_l("Code commune INSEE"))
    department = StringField(_l("Département"))
    region = StringField(_l("Région"))
    country = StringField(_l("Pays (code ISO à deux lettres)"))
    nuts_code = StringField(_l("Code NUTS"))
    latitude = StringField(_l("Latitude"))
    longitude = StringField(_l("Longitude"))
    website = StringField(_l("Site web"))
    contact_name = StringField(_l("Contact"))
    contact_email = StringField(_l("Courriel de contact"))
    contact_phone = StringField(_l("Téléphone"))
    turnover = StringField(_l("Chiffre d'affaires annuel (euros)"))
    headcount = StringField(_l("Effectif salarié"))
    insertion_headcount = StringField(_l("Dont salariés en parcours d'insertion"))

    @classmethod
    def field_names(cls) -> list[str]:
        """Return the names of the declared fields."""
        return [name for name in dir(cls) if hasattr(getattr(cls, name), "field_class")]


def initial_data(member: Member) -> dict:
    """Return the form's starting values for ``member``, as text."""
    plain = [name for name in MemberForm.field_names() if hasattr(Member, name)]
    data = {name: "" if getattr(member, name) is None else str(getattr(member, name))
            for name in plain if name not in ("sectors", "networks")}
    data["sectors"] = member.sector_codes
    data["networks"] = [n.slug for n in member.networks]
    cents = member.turnover_cents
    data["turnover"] = "" if cents is None else format_cents(cents)
    return data


def build_form(member: Member, *, sector_choices: dict, networks: list,
               network_admin: bool) -> MemberForm:
    """Make the edit form, with the admin-only fields for network admins alone."""
    form = MemberForm(data=initial_data(member))
    form.sectors.choices = [SelectChoice(code, label, optgroup=group)
                            for group, options in sector_choices.items()
                            for code, label in options]
    if network_admin:
        form.networks.choices = [SelectChoice(n.slug, n.name) for n in networks]
    else:
        del form.status
        del form.networks
    return form


def normalise_amount(value: str) -> str:
    """Accept "120 000", "120000,5", "1,250,000.50" or "1.250.000,50"; the API wants "120000.50".

    Euros have two decimals, so a lone separator followed by three digits groups thousands
    ("125,000" is 125000 in English, "125.000" in German) and is never a decimal point.
    """
    value = re.sub(r"[\s\u00a0\u202f']", "", value)
    separators = value.count(",") + value.count(".")
    if "," in value and "." in value:  # the last one is the decimal separator
        point = max(value.rfind(","), value.rfind("."))
        value = re.sub(r"[.,]", "", value[:point]) + "." + value[point + 1:]
    elif separators == 1:
        whole, fraction = re.split(r"[.,]", value)
        value = whole + fraction if len(fraction) == 3 else f"{whole}.{fraction}"
    elif separators > 1:  # "1.250.000" or "1,250,000"
        value = re.sub(r"[.,]", "", value)
    if re.fullmatch(r"\d+", value):
        return value + ".00"
    if re.fullmatch(r"\d+\.\d", value):
        return value + "0"
    return value


def payload(form: MemberForm) -> dict:
    """Turn the submitted form into the JSON API's input shape."""
    data = {}
    for field in form:
        if field.name == "csrf_token":
            continue
        value = field.data.strip() if isinstance(field.data, str) else field.data
        if field.name in NULLABLE and value in ("", None):
            value = None
        elif field.name in ("headcount", "insertion_headcount") and value.isdigit():
            value = int(value)
        elif field.name == "turnover":
            value = normalise_amount(value)
        elif field.name in ("latitude", "longitude"):
            value = value.replace(",", ".")
        if field.name in UPPER and value:
            value = value.upper()
        data[field.name] = value
    return data


def show_errors(form: MemberForm, fields: dict) -> None:
    """Attach error messages (marshmallow's or a service's) to the form's fields."""
    for name, messages in fields.items():
        if isinstance(messages, dict):  # errors of list items are keyed by index
            messages = [m for item in messages.values() for m in item]
        field = form._fields.get(name)
        if field is None:
            form.form_errors.extend(str(m) for m in messages)
        else:
            field.errors = [*field.errors, *(str(m) for m in messages)]
