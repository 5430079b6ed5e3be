"""References after a trade: on a completed order each side may say once how the other did
(a rating and a comment), and the one spoken of may reply once.

Each use case runs in the caller's one transaction (begin_write ... commit); the order row is
locked first, so two references of the same side cannot both be written.
"""

from flask_babel import gettext as _
from sqlalchemy import func, select

from market.members.models import Member
from market.orders.models import Order, OrderState, Rating, Reference
from market.web.errors import Conflict, InvalidState, NotFound, ValidationError

#: Longest comment and reply.
TEXT_MAX = 2000
MAX_ID = 2**31 - 1


def subject_of(order: Order, author_member_id: int) -> int:
    """The other side of ``order`` from ``author_member_id``."""
    return order.seller_member_id if author_member_id == order.buyer_member_id \
        else order.buyer_member_id


def can_leave(session, order: Order, author_member_id: int) -> bool:
    """Whether ``author_member_id`` (a side of ``order``) may still leave its reference."""
    return order.state == OrderState.completed and author_member_id in (
        order.buyer_member_id, order.seller_member_id) and session.scalar(
        select(Reference.id).where(Reference.order_id == order.id,
                                   Reference.author_member_id == author_member_id)) is None


def leave(session, order: Order, author_member_id: int, rating: str, comment: str) -> Reference:
    """Write the reference of ``author_member_id`` on the other side of ``order``; flush."""
    if author_member_id not in (order.buyer_member_id, order.seller_member_id):
        raise NotFound(_("Commande introuvable."))
    if order.state != OrderState.completed:
        raise InvalidState(_("Une référence se laisse une fois la commande terminée."),
                           {"state": order.state})
    if rating not in Rating.__members__:
        raise ValidationError({"rating": [_("Choisissez une appréciation.")]})
    if len(comment) > TEXT_MAX:
        raise ValidationError({"comment": [_("Au plus %(n)s caractères.", n=TEXT_MAX)]})
    session.scalars(select(Order.id).where(Order.id == order.id)
                    .with_for_update(of=Order)).one()  # one reference per side, serialised
    if not can_leave(session, order, author_member_id):
        raise Conflict(_("Votre structure a déjà laissé sa référence sur cette commande."))
    reference = Reference(order_id=order.id, author_member_id=author_member_id,
                          subject_member_id=subject_of(order, author_member_id),
                          rating=rating, comment=comment)
    session.add(reference)
    session.flush()
    return reference


def get_reference(session, reference_id: int, member_ids: set[int], *,
                  lock: bool = False) -> Reference:
    """A reference written by or about one of ``member_ids``; any other is NotFound."""
    found = None
    if 0 < reference_id <= MAX_ID:
        stmt = select(Reference).where(Reference.id == reference_id)
        found = session.scalars(stmt.with_for_update(of=Reference) if lock else stmt).first()
    if found is None or not ({found.author_member_id, found.subject_member_id} & member_ids):
        raise NotFound(_("Référence introuvable."))
    return found


def about(session, order: Order, subject_member_id: int, *, lock: bool = False) -> Reference:
    """The reference left on ``order`` about ``subject_member_id``; NotFound if none."""
    stmt = select(Reference).where(Reference.order_id == order.id,
                                   Reference.subject_member_id == subject_member_id)
    found = session.scalars(stmt.with_for_update(of=Reference) if lock else stmt).first()
    if found is None:
        raise NotFound(_("Référence introuvable."))
    return found


def reply(session, reference: Reference, member_id: int, text: str) -> Reference:
    """The subject's one reply to ``reference``; flush."""
    if member_id != reference.subject_member_id:
        raise NotFound(_("Référence introuvable."))
    if not text.strip():
        raise ValidationError({"reply": [_("Écrivez votre réponse.")]})
    if len(text) > TEXT_MAX:
        raise ValidationError({"reply": [_("Au plus %(n)s caractères.", n=TEXT_MAX)]})
    if reference.reply is not None:
        raise Conflict(_("Cette référence a déjà reçu sa réponse."))
    reference.reply = text
    session.flush()
    return reference


def for_order(session, order: Order) -> list[Reference]:
    """The references left on ``order`` (at most one per side), oldest first."""
    return list(session.scalars(select(Reference).where(Reference.order_id == order.id)
                                .order_by(Reference.id)))


def counts(session, member_id: int) -> dict[str, int]:
    """How many positive, neutral and negative references ``member_id`` received."""
    found = dict(session.execute(
        select(Reference.rating, func.count()).where(Reference.subject_member_id == member_id)
        .group_by(Reference.rating)).all())
    return {rating.value: found.get(rating.value, 0) for rating in Rating}


def of_member(session, member_id: int, *, limit: int, before: int | None = None
              ) -> tuple[list[Reference], bool]:
    """References received by ``member_id``, newest first, and whether more follow."""
    stmt = select(Reference).where(Reference.subject_member_id == member_id)
    if before is not None:
        stmt = stmt.where(Reference.id < before)
    rows = list(session.scalars(stmt.order_by(Reference.id.desc()).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def names(session, references: list[Reference]) -> dict[int, str]:
    """The names of the members the references speak of and for."""
    ids = {r.author_member_id for r in references} | {r.subject_member_id for r in references}
    if not ids:
        return {}
    return dict(session.execute(select(Member.id, Member.name).where(Member.id.in_(ids))).all())


def reference_data(reference: Reference, known: dict[int, str]) -> dict:
    """A reference as the API shows it."""
    return {"id": reference.id, "order_id": reference.order_id, "rating": reference.rating,
            "comment": reference.comment, "reply": reference.reply,
            "author": {"id": reference.author_member_id,
                       "name": known.get(reference.author_member_id)},
            "subject": {"id": reference.subject_member_id,
                        "name": known.get(reference.subject_member_id)},
            "created_at": reference.created_at.isoformat()}
