"""Web forms of the auth pages; business rules live in the services, not here."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from market.auth.services import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from market.members.labels import INCLUSION_KINDS, LEGAL_FORMS

ROLE_LABELS = {
    "member_admin": _l("Administrateur·rice du membre"),
    "member_staff": _l("Salarié·e du membre"),
    "member_treasurer": _l("Trésorier·e du membre"),
    "buyer": _l("Acheteur·se"),
    "network_treasurer": _l("Trésorier·e du réseau"),
    "network_admin": _l("Administrateur·rice du réseau"),
    "clause_facilitator": _l("Facilitateur·rice des clauses sociales"),
}

REQUIRED = _l("Ce champ est obligatoire.")


def choices(pairs) -> list[SelectChoice]:
    """Turn (value, label) pairs into select options."""
    return [SelectChoice(value, label) for value, label in pairs]


def new_password_field(label) -> PasswordField:
    """A password field with the length policy shown to the user."""
    return PasswordField(label, validators=[
        InputRequired(REQUIRED),
        Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
               message=_l("Entre %(min)d et %(max)d caractères.")),
    ])


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField(_l("Email"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(_l("Mot de passe"), validators=[InputRequired(REQUIRED),
                                                             Length(max=MAX_PASSWORD_LENGTH)])


class SignupForm(FlaskForm):
    """A new organisation asking to join, and its first administrator."""

    organisation = StringField(_l("Nom de l'organisation"),
                               validators=[DataRequired(REQUIRED), Length(max=200)])
    siret = StringField(_l("SIRET"), validators=[DataRequired(REQUIRED), Length(max=20)])
    legal_form = SelectField(_l("Forme juridique"), choices=choices(LEGAL_FORMS.items()))
    inclusion_kind = SelectField(_l("Structure d'insertion ou adaptée"),
                                 choices=choices(INCLUSION_KINDS.items()))
    postcode = StringField(_l("Code postal"), validators=[Length(max=16)])
    city = StringField(_l("Commune"), validators=[DataRequired(REQUIRED), Length(max=120)])
    contact_name = StringField(_l("Votre nom"),
                               validators=[DataRequired(REQUIRED), Length(max=200)])
    email = EmailField(_l("Votre email"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = new_password_field(_l("Mot de passe"))
    password_confirm = PasswordField(_l("Confirmez le mot de passe"), validators=[
        EqualTo("password", message=_l("Les deux mots de passe ne sont pas identiques."))])


class PasswordForm(FlaskForm):
    """Change one's own password."""

    current_password = PasswordField(_l("Mot de passe actuel"),
                                     validators=[InputRequired(REQUIRED)])
    new_password = new_password_field(_l("Nouveau mot de passe"))
    new_password_confirm = PasswordField(_l("Confirmez le nouveau mot de passe"), validators=[
        EqualTo("new_password", message=_l("Les deux mots de passe ne sont pas identiques."))])


#: How long a token made on the account page lasts, in days ("" for until revoked).
TOKEN_LIFETIMES = [("90", _l("90 jours")), ("30", _l("30 jours")), ("365", _l("un an")),
                   ("", _l("jusqu'à ce que je le révoque"))]


class TokenForm(FlaskForm):
    """Name a new API token, say how long it lasts and whether it may create tokens."""

    name = StringField(_l("Nom du jeton"), validators=[DataRequired(REQUIRED), Length(max=100)])
    lifetime = SelectField(_l("Valable"), choices=choices(TOKEN_LIFETIMES), default="90")
    can_create_tokens = BooleanField(_l("Ce jeton peut créer d'autres jetons"))
