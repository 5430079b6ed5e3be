"""A contract's invoices: the holder issues them (never beyond the contract's amount), the
buyer pays each with ONE ledger transfer from its euro account whose postings split the
amount between the grouping's members by their shares of the work. Part of an invoice may
be paid in complementary currencies at their euro parity (a mixed payment): each currency's
part is split the same way, inside the same transfer.

Paying runs in the caller's database transaction (the ledger writes on the session's own
connection, in a savepoint): the transfer, the invoice's record of it and the
notifications commit or roll back together.
"""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import ledger
from market.currencies.conversion import euro_cents
from market.currencies.models import CurrencyPolicy
from market.members.models import Member
from market.offers.labels import money
from market.orders.services import account_in
from market.platform.time import now_utc
from market.procurement.award import tell_parties
from market.procurement.bids import MAX_ID, SCALE, not_eligible
from market.procurement.contract_models import (
    WHOLE,
    Contract,
    ContractInvoice,
    ContractStatus,
    InvoiceStatus,
)
from market.procurement.models import Lot
from market.web.errors import Conflict, InvalidState, NotFound, ValidationError

#: Currencies part of an invoice may be paid in (a cooperative's shares are not money).
PAYABLE_KINDS = ("backed", "mutual_credit")


def split(amount_minor: int, shares: list[tuple[int, int]], lead_id: int) -> dict[int, int]:
    """Each member's part of ``amount_minor`` by its share in basis points: every part is
    rounded down and the cents left over go to the lead, so the parts sum to the amount."""
    parts = {member: amount_minor * bp // WHOLE for member, bp in shares}
    parts[lead_id] = parts.get(lead_id, 0) + amount_minor - sum(parts.values())
    return parts


def invoiced(contract: Contract) -> int:
    """What the contract's invoices add up to, in cents."""
    return sum(i.amount_minor for i in contract.invoices)


def issue_invoice(session, contract: Contract, data: dict, user_id: int | None, *,
                  now: datetime | None = None) -> ContractInvoice:
    """Record the holder's invoice ``number`` for ``amount`` (within what is left to invoice)."""
    if contract.status != ContractStatus.active:
        raise InvalidState(_("Ce marché est terminé : il ne reçoit plus de factures."),
                           {"status": contract.status})
    try:
        amount = ledger.parse_amount(data["amount"], SCALE)
    except ledger.InvalidAmount:
        raise ValidationError({"amount": [_("Montant en euros, positif, avec deux décimales, "
                                            "par exemple \"1250.00\".")]}) from None
    left = contract.amount_minor - invoiced(contract)
    if amount > left:
        raise ValidationError({"amount": [_(
            "Les factures dépasseraient le montant du marché : il reste %(left)s à facturer.",
            left=money(left, contract.currency))]})
    if any(i.number == data["number"] for i in contract.invoices):
        raise Conflict(_("Ce marché a déjà une facture de ce numéro."),
                       {"number": data["number"]})
    invoice = ContractInvoice(contract_id=contract.id, number=data["number"],
                              amount_minor=amount, status=InvoiceStatus.issued,
                              issued_at=now or now_utc())
    session.add(invoice)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # the same number sent twice at once
        raise Conflict(_("Ce marché a déjà une facture de ce numéro."),
                       {"number": data["number"]}) from None
    contract.invoices.append(invoice)
    return invoice


def contract_invoice(session, invoice_id: int, contract_ids) -> ContractInvoice:
    """The invoice ``invoice_id``, locked, if its contract is among ``contract_ids``
    (a statement of the contracts the caller may read); otherwise NotFound."""
    invoice = None
    if 0 < invoice_id <= MAX_ID:
        invoice = session.scalars(
            select(ContractInvoice).where(ContractInvoice.id == invoice_id,
                                          ContractInvoice.contract_id.in_(contract_ids))
            .with_for_update(of=ContractInvoice)
            .execution_options(populate_existing=True)).first()
    if invoice is None:
        raise NotFound(_("Facture introuvable."))
    return invoice


def payable_currencies(session, contract: Contract) -> list[str]:
    """The complementary currencies the buyer could pay part of an invoice in: governed,
    money (not shares), with an open account for the buyer and every member paid."""
    conn = session.connection()
    kinds = {c["code"]: c["kind"] for c in ledger.list_currencies(conn)}
    payees = {s.member_id for s in contract.bid.shares} | {contract.holder_id}
    codes = session.scalars(select(CurrencyPolicy.code).order_by(CurrencyPolicy.code))
    return [code for code in codes
            if code != contract.currency and kinds.get(code) in PAYABLE_KINDS
            and all(account_in(conn, m, code) is not None
                    for m in (contract.buyer_id, *sorted(payees)))]


def mix_of(session, contract: Contract, invoice: ContractInvoice,
           payment: list[dict] | None) -> dict[str, int]:
    """The invoice's amount as {currency: minor units}: the complementary parts asked for,
    each worth whole cents at its parity, and the rest in the contract's currency."""
    parts: dict[str, int] = {}
    euros = 0
    for index, part in enumerate(payment or ()):
        code, field = part["currency"], f"payment.{index}.amount"
        policy = session.get(CurrencyPolicy, code)
        found = [c for c in ledger.list_currencies(session.connection()) if c["code"] == code]
        if policy is None or not found or found[0]["kind"] not in PAYABLE_KINDS \
                or code == contract.currency or code in parts:
            raise ValidationError({f"payment.{index}.currency": [_(
                "Une monnaie complémentaire de la plateforme, une seule fois, autre que "
                "l'euro.")]})
        try:
            minor = ledger.parse_amount(part["amount"], found[0]["scale"])
        except ledger.InvalidAmount:
            raise ValidationError({field: [_("Montant positif avec %(scale)s décimale(s).",
                                             scale=found[0]["scale"])]}) from None
        cents = euro_cents(minor, found[0]["scale"], policy.euro_parity)
        if cents is None:
            raise ValidationError({field: [_("Ce montant ne vaut pas un nombre entier de "
                                             "centimes d'euro à la parité de %(code)s.",
                                             code=code)]})
        parts[code], euros = minor, euros + cents
    if euros > invoice.amount_minor:
        raise ValidationError({"payment": [_(
            "Les parts en monnaies complémentaires dépassent le montant de la facture.")]})
    if invoice.amount_minor > euros:
        parts[contract.currency] = invoice.amount_minor - euros
    return parts


def postings(session, contract: Contract, invoice: ContractInvoice,
             mix: dict[str, int] | None = None) -> list[dict]:
    """From the buyer's account to each member's, by share, in every currency of the mix;
    422 naming any account missing."""
    mix = mix or {contract.currency: invoice.amount_minor}
    return [move for code, minor in sorted(mix.items())
            for move in currency_postings(session, contract, code, minor)]


def currency_postings(session, contract: Contract, currency: str, amount: int) -> list[dict]:
    """The postings of one currency's part of a payment, split by the shares."""
    conn = session.connection()
    source = account_in(conn, contract.buyer_id, currency)
    if source is None:
        raise not_eligible(_("%(name)s n'a pas de compte en %(code)s pour payer.",
                             name=contract.buyer.name, code=currency),
                           {"member_id": contract.buyer_id})
    shares = [(s.member_id, s.share_bp) for s in contract.bid.shares]
    parts = split(amount, shares, contract.holder_id)
    targets = {m: account_in(conn, m, currency) for m in parts}
    missing = sorted(m for m, account in targets.items() if account is None)
    if missing:
        names = dict(session.execute(select(Member.id, Member.name)
                                     .where(Member.id.in_(missing))).all())
        raise not_eligible(_("Pas de compte en %(code)s pour recevoir le paiement : "
                             "%(names)s.", code=currency,
                             names=", ".join(names[m] for m in missing)),
                           {"members": missing})
    # A share too small for a single cent of this invoice gets no posting (never a zero one).
    return [{"from": source, "to": targets[m], "amount": minor}
            for m, minor in sorted(parts.items()) if minor > 0]


def pay_invoice(session, contract: Contract, invoice: ContractInvoice, user_id: int | None,
                *, now: datetime | None = None,
                payment: list[dict] | None = None) -> ContractInvoice:
    """Pay ``invoice`` with one ledger transfer split by shares (in every currency of the
    ``payment`` mix, euros for the rest), and record it."""
    now = now or now_utc()
    if invoice.status != InvoiceStatus.issued:
        raise InvalidState(_("Cette facture est déjà payée."), {"status": invoice.status})
    lot = session.get(Lot, contract.lot_id)
    mix = mix_of(session, contract, invoice, payment)
    moves = postings(session, contract, invoice, mix)
    transfer = ledger.transfer(
        session.connection(), moves,
        description=(f"Marché {contract.id} ({lot.title}) : facture {invoice.number}")[:500],
        reference=f"contract-{contract.id}-invoice-{invoice.number}"[:128],
        metadata={"contract_id": contract.id, "invoice_id": invoice.id,
                  "invoice_number": invoice.number, "lot_id": contract.lot_id,
                  **({"mix": dict(sorted(mix.items()))} if payment else {})},
        placed_by=None if user_id is None else f"user:{user_id}", now=now)
    invoice.status, invoice.transfer_id = InvoiceStatus.paid, transfer["id"]
    invoice.paid_at, invoice.paid_by = now, user_id
    session.flush()
    tell_parties(session, contract, "invoice_paid",
                 {"lot_title": lot.title, "number": invoice.number,
                  "amount": money(invoice.amount_minor, contract.currency)},
                 f"/contrats/{contract.id}")
    return invoice
