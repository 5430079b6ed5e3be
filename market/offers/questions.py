"""Questions on offers: a member asks, the seller answers; answered ones are public.

Who sees what: an answered question is public on its offer's page; an unanswered one only
to the asking member and to the seller. A question nobody may see is not found, exactly
like a missing one. Services take the session, flush and never commit.
"""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import or_, select

from market.members.models import Member
from market.notifications import services as notifications
from market.notifications.models import NotificationKind
from market.offers.community_schemas import TEXT_MAX, TEXT_MIN
from market.offers.models import Offer, OfferStatus, Question
from market.platform.time import now_utc
from market.web.errors import BusinessRuleError, Forbidden, NotFound, ValidationError

#: Largest id an INTEGER key holds (a bigger one is simply not found).
MAX_ID = 2**31 - 1
#: Most questions one member may leave unanswered on one offer.
MAX_OPEN = 10
#: Most questions an offer's page lists.
MAX_SHOWN = 200


def clean(value: str, field: str) -> str:
    """The text without surrounding spaces, if it is long enough; else a ValidationError."""
    value = (value or "").strip()
    if not TEXT_MIN <= len(value) <= TEXT_MAX:
        raise ValidationError({field: [_("Entre %(low)s et %(high)s caractères.",
                                         low=TEXT_MIN, high=TEXT_MAX)]})
    return value


def ask(session, offer: Offer, member: Member, user_id: int | None, text: str, *,
        now: datetime | None = None) -> Question:
    """Write ``member``'s question on a published ``offer`` and tell the seller; flush."""
    if offer.status != OfferStatus.published or offer.member.status != "active":
        raise NotFound(_("Offre introuvable."))
    if offer.member_id == member.id:
        raise BusinessRuleError(_("Une structure ne pose pas de question sur ses propres "
                                  "offres."), code="not_eligible")
    text = clean(text, "text")
    waiting = session.scalars(select(Question.id).where(
        Question.offer_id == offer.id, Question.member_id == member.id,
        Question.answer.is_(None)).limit(MAX_OPEN)).all()
    if len(waiting) >= MAX_OPEN:
        raise BusinessRuleError(_("Vous avez déjà %(n)s questions sans réponse sur cette "
                                  "offre.", n=MAX_OPEN), code="limit_exceeded")
    question = Question(offer_id=offer.id, member_id=member.id, member=member,
                        user_id=user_id, text=text, created_at=now or now_utc())
    session.add(question)
    session.flush()
    notifications.notify_member(
        session, offer.member_id, NotificationKind.question,
        {"offer_title": offer.title, "asker_name": member.name, "excerpt": text,
         "offer_id": offer.id, "question_id": question.id}, anchor(offer.id, question.id))
    return question


def answer(session, question: Question, offer: Offer, text: str, *,
           now: datetime | None = None) -> Question:
    """Set (or change) the seller's answer; the asker is told of the first one; flush."""
    text = clean(text, "answer")
    first = question.answer is None
    question.answer = text
    if first:
        question.answered_at = now or now_utc()
    session.flush()
    if first:
        users = [question.user_id] if question.user_id else \
            notifications.member_users(session, question.member_id)
        notifications.notify(
            session, users, NotificationKind.answer,
            {"offer_title": offer.title, "excerpt": text, "offer_id": offer.id,
             "question_id": question.id}, anchor(offer.id, question.id))
    return question


def anchor(offer_id: int, question_id: int) -> str:
    """Where a question shows: its offer's page, at the question."""
    return f"/offres/{offer_id}#question-{question_id}"


def visible_questions(session, offer: Offer, member_ids: set[int]) -> list[Question]:
    """The questions on ``offer`` that members ``member_ids`` may read, oldest first: all
    of them for the seller, else the answered ones and their own."""
    stmt = select(Question).where(Question.offer_id == offer.id)
    if offer.member_id not in member_ids:
        stmt = stmt.where(or_(Question.answer.is_not(None),
                              Question.member_id.in_(sorted(member_ids))))
    return list(session.scalars(stmt.order_by(Question.id).limit(MAX_SHOWN)))


def get_question(session, question_id: int, member_ids: set[int]) -> Question:
    """A question that ``member_ids`` may read, or NotFound."""
    question = session.get(Question, question_id) if 0 < question_id <= MAX_ID else None
    if question is not None:
        offer = session.get(Offer, question.offer_id)
        seller = offer.member_id in member_ids
        shown = seller or (offer.status == OfferStatus.published
                           and offer.member.status == "active"
                           and (question.answer is not None
                                or question.member_id in member_ids))
        if shown:
            return question
    raise NotFound(_("Question introuvable."))


def answerable(session, question_id: int, readable: set[int], writable: set[int]) -> tuple:
    """The question and its offer, when a member of ``writable`` sells that offer; one the
    caller may read but not answer is Forbidden, any other NotFound."""
    question = get_question(session, question_id, readable)
    offer = session.get(Offer, question.offer_id)
    if offer.member_id not in writable:
        raise Forbidden(_("Seule la structure qui propose l'offre y répond."))
    return question, offer
