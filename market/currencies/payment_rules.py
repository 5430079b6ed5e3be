"""The postings of a member's payment in a currency, with the merchant fee and the donation.

Pure: plain numbers in, postings out. A payment of ``amount`` minor units from ``payer`` to
``payee`` is one transfer whose postings are
- payer -> payee: ``amount``;
- payee -> fund: ``floor(amount * merchant_fee_bp / 10_000)`` (the payee's fee on what it
  received, when the currency sets one);
- payer -> association: ``floor(amount * donation_bp / 10_000)`` (the payer's donation
  rule, on top of the payment).
Every share is rounded down; a share that rounds to zero gives no posting.
"""

from dataclasses import dataclass

WHOLE = 10_000


@dataclass(frozen=True)
class Share:
    """A part of a payment sent to another account: ``rate_bp`` of it to ``account``."""

    account: int
    rate_bp: int


def share_of(amount: int, rate_bp: int) -> int:
    """``rate_bp`` basis points of ``amount``, rounded down."""
    if amount <= 0 or rate_bp <= 0:
        return 0
    return amount * rate_bp // WHOLE


def payment_postings(payer: int, payee: int, amount: int, *, fee: Share | None = None,
                     donation: Share | None = None) -> list[dict]:
    """The postings of one payment, its fee and its donation (no zero posting)."""
    if amount <= 0:
        raise ValueError("a payment is a positive amount")
    postings = [{"from": payer, "to": payee, "amount": amount}]
    if fee is not None and (cut := share_of(amount, fee.rate_bp)) and fee.account != payee:
        postings.append({"from": payee, "to": fee.account, "amount": cut})
    if donation is not None and (gift := share_of(amount, donation.rate_bp)) \
            and donation.account != payer:
        postings.append({"from": payer, "to": donation.account, "amount": gift})
    return postings
