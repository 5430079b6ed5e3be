"""The currency governance forms: what people type (percentages, decimal commas) turned
into what the governance service takes (basis points, decimal strings)."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField

KIND_LABELS = {"mutual_credit": _l("Crédit mutuel entre entreprises"),
               "backed": _l("Monnaie locale adossée à l'euro"),
               "share": _l("Parts sociales d'une coopérative")}
PERIOD_LABELS = {"": _l("Pas de fonte"), "daily": _l("Chaque jour"),
                 "monthly": _l("Chaque mois")}
#: Form field -> governance rule, for the rates people type as percentages.
PERCENT_FIELDS = {"redemption_fee": "redemption_fee_bp", "merchant_fee": "merchant_fee_bp",
                  "demurrage_rate": "demurrage_rate_bp"}
#: Form fields typed as amounts of the currency.
AMOUNT_FIELDS = ("default_credit_line", "demurrage_free_base")


def choices(pairs) -> list[SelectChoice]:
    """Turn (value, label) pairs into select options."""
    return [SelectChoice(value, label) for value, label in pairs]


def form_number(raw: str | None) -> int:
    """A whole number typed or chosen in a form (0, which no id or count is, when not one)."""
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else 0


def decimal_text(raw: str) -> str:
    """"1 250,5" as "1250.5": spaces dropped, a decimal comma turned into a point."""
    return re.sub(r"[\s\u00a0\u202f]", "", raw or "").replace(",", ".")


def basis_points(raw: str) -> int | str:
    """"2,5" (percent) as 250 basis points; what is not a percentage is returned as typed,
    for the service to refuse with its own message."""
    text = decimal_text(raw)
    match = re.fullmatch(r"([0-9]{1,3})(?:\.([0-9]{1,2}))?", text)
    if not match:
        return text
    return int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))


def percent(bp: int) -> str:
    """250 basis points as "2.5" (the form shows the rate it stores)."""
    whole, part = divmod(bp, 100)
    return f"{whole}" if not part else f"{whole}.{part:02d}".rstrip("0")


class RulesForm(FlaskForm):
    """The rules of a currency a network admin sets."""

    euro_parity = StringField(_l("Parité : euros pour une unité"), default="1")
    default_credit_line = StringField(_l("Ligne de crédit par défaut (crédit mutuel)"))
    redemption_fee = StringField(_l("Frais de reconversion en euros (%)"))
    merchant_fee = StringField(_l("Commission sur les paiements reçus (%)"))
    demurrage_rate = StringField(_l("Fonte : taux annuel (%)"))
    demurrage_free_base = StringField(_l("Fonte : franchise (montant non taxé)"))
    demurrage_period = SelectField(_l("Fonte : rythme"), choices=choices(PERIOD_LABELS.items()),
                                   default="")

    def rules(self, kind: str) -> dict:
        """The filled fields as governance rules (blank ones left as they are)."""
        rules = {}
        if self.euro_parity.data and self.euro_parity.data.strip():
            rules["euro_parity"] = decimal_text(self.euro_parity.data)
        for name, rule in PERCENT_FIELDS.items():
            raw = getattr(self, name).data
            if raw and raw.strip():
                rules[rule] = basis_points(raw)
        for name in AMOUNT_FIELDS:
            raw = getattr(self, name).data
            if raw and raw.strip():
                rules[name] = decimal_text(raw)
        if self.demurrage_period.data or "demurrage_rate_bp" in rules:
            rules["demurrage_period"] = self.demurrage_period.data or None
        return rules

    def show_errors(self, fields: dict) -> None:
        """Put the service's field messages on the form's fields."""
        named = {rule: name for name, rule in PERCENT_FIELDS.items()}
        for rule, messages in fields.items():
            field = getattr(self, named.get(rule, rule), None)
            if field is not None:
                field.errors = list(field.errors) + list(messages)


class CurrencyForm(RulesForm):
    """A new currency: code, name, kind, decimals, the network running it, its rules."""

    code = StringField(_l("Code (capitales, par exemple EUSKO)"))
    name = StringField(_l("Nom"))
    kind = SelectField(_l("Nature"), choices=choices(KIND_LABELS.items()))
    scale = StringField(_l("Décimales (0 à 6)"), default="2",
                        render_kw={"inputmode": "numeric"})
    network = SelectField(_l("Réseau qui la gère"), validate_choice=False)

    def values(self) -> dict:
        """The form as the service's arguments."""
        scale = self.scale.data.strip() if self.scale.data else ""
        return {"code": (self.code.data or "").strip(), "name": (self.name.data or "").strip(),
                "kind": self.kind.data,
                "scale": int(scale) if scale.isdigit() and len(scale) < 3 else scale,
                "network_id": int(self.network.data) if (self.network.data or "").isdigit()
                else None,
                **self.rules(self.kind.data)}


class CreditLineForm(FlaskForm):
    """A credit line granted to one member's account, and why."""

    account = SelectField(_l("Compte"), validate_choice=False)
    credit_line = StringField(_l("Ligne de crédit (montant que le compte peut devoir)"))
    reason = TextAreaField(_l("Motif (conservé dans l'historique)"), render_kw={"rows": 2})

