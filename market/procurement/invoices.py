"""A contract's invoices: the holder issues them (never beyond the contract's amount), the
buyer pays each with ONE ledger transfer from its euro account whose postings split the
amount between the grouping's members by their shares of the work.

Paying runs in the caller's database transaction (the ledger writes on the session's own
connection, in a savepoint): the transfer, the invoice's record of it and the
notifications commit or roll back together.
"""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import ledger
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


def postings(session, contract: Contract, invoice: ContractInvoice) -> list[dict]:
    """From the buyer's account to each member's, by share; 422 naming any account missing."""
    conn = session.connection()
    currency = contract.currency
    source = account_in(conn, contract.buyer_id, currency)
    if source is None:
        raise not_eligible(_("%(name)s n'a pas de compte en %(code)s pour payer.",
                             name=contract.buyer.name, code=currency),
                           {"member_id": contract.buyer_id})
    shares = [(s.member_id, s.share_bp) for s in contract.bid.shares]
    parts = split(invoice.amount_minor, shares, contract.holder_id)
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
                *, now: datetime | None = None) -> ContractInvoice:
    """Pay ``invoice`` with one ledger transfer split by shares, and record it."""
    now = now or now_utc()
    if invoice.status != InvoiceStatus.issued:
        raise InvalidState(_("Cette facture est déjà payée."), {"status": invoice.status})
    lot = session.get(Lot, contract.lot_id)
    moves = postings(session, contract, invoice)
    transfer = ledger.transfer(
        session.connection(), moves,
        description=(f"Marché {contract.id} ({lot.title}) : facture {invoice.number}")[:500],
        reference=f"contract-{contract.id}-invoice-{invoice.number}"[:128],
        metadata={"contract_id": contract.id, "invoice_id": invoice.id,
                  "invoice_number": invoice.number, "lot_id": contract.lot_id},
        placed_by=None if user_id is None else f"user:{user_id}", now=now)
    invoice.status, invoice.transfer_id = InvoiceStatus.paid, transfer["id"]
    invoice.paid_at, invoice.paid_by = now, user_id
    session.flush()
    tell_parties(session, contract, "invoice_paid",
                 {"lot_title": lot.title, "number": invoice.number,
                  "amount": money(invoice.amount_minor, contract.currency)},
                 f"/contrats/{contract.id}")
    return invoice
