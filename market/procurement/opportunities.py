"""A structure's opportunities (the lots it was notified of), its answer, the questions the
buyer answers for all, and the buyer's funnel of a lot.

Who sees what: a structure reads only its own opportunities that a batch notified (a row
waiting for its batch is not found, like a missing one); it answers while the lot is
published and before its tender's deadline, and may change its answer until then. Anyone
who sees a lot reads its questions and answers; the asker is named to the buyer alone. An
answer is a public record: given once, never replaced. Services take the session, flush and
never commit.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import joinedload

from market.auth.models import UserRole
from market.members.models import Member
from market.notifications import services as notifications
from market.notifications.models import NotificationKind
from market.platform.time import now_utc
from market.procurement.contract_models import Bid, BidStatus
from market.procurement.models import (
    Grouping,
    GroupingStatus,
    InvitationStatus,
    Lot,
    Structure,
    TenderStatus,
)
from market.procurement.outreach_models import Interest, LotOpportunity, LotQuestion
from market.procurement.outreach_models import NotInterestedReason as Reason
from market.web.errors import BusinessRuleError, InvalidState, NotFound, ValidationError
from market.web.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Page,
    decode_key,
    encode_cursor,
    paginate,
)

#: Largest id an INTEGER key holds (a bigger one is simply not found).
MAX_ID = 2**31 - 1
#: The ``?interest=`` filter's value for opportunities not answered yet.
UNANSWERED = "none"
#: Most questions one structure may leave unanswered on one lot.
MAX_OPEN = 10
#: Characters of the buyer's answer carried by the notification (the page shows it all).
EXCERPT = 300
#: The bids a funnel counts: sent and not taken back.
COUNTED_BIDS = (BidStatus.submitted, BidStatus.awarded, BidStatus.rejected)


@dataclass(frozen=True)
class Answer:
    """What a structure says of a lot."""

    interest: str
    reason: str | None = None
    comment: str = ""
    grouping_id: int | None = None


# -- reading opportunities -------------------------------------------------------------------

def notified(member_id: int):
    """The condition an opportunity ``member_id`` may read meets: its own, notified."""
    return and_(LotOpportunity.member_id == member_id, LotOpportunity.notified_at.is_not(None))


def list_opportunities(session, member_id: int, *, interest: str | None = None,
                       limit: int = DEFAULT_LIMIT, cursor: str | None = None) -> Page:
    """One page of ``member_id``'s notified opportunities, newest notified first;
    ``interest``: only those answered so (``none``: not answered yet)."""
    stmt = select(LotOpportunity).where(notified(member_id))
    if interest == UNANSWERED:
        stmt = stmt.where(LotOpportunity.interest.is_(None))
    elif interest:
        stmt = stmt.where(LotOpportunity.interest == interest)
    if cursor:
        at, last = decode_key(cursor, (str, int), MAX_ID)
        when = cursor_time(at)
        stmt = stmt.where(or_(LotOpportunity.notified_at < when,
                              and_(LotOpportunity.notified_at == when,
                                   LotOpportunity.id < last)))
    limit = max(1, min(limit, MAX_LIMIT))
    rows = list(session.scalars(stmt.order_by(LotOpportunity.notified_at.desc(),
                                              LotOpportunity.id.desc()).limit(limit + 1)))
    items = rows[:limit]
    more = len(rows) > limit
    return Page(items, encode_cursor([items[-1].notified_at.isoformat(), items[-1].id])
                if more else None)


def cursor_time(text: str) -> datetime:
    """The instant a cursor holds, or a ValidationError for anything forged."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise ValidationError({"cursor": [_("Curseur de pagination invalide.")]})
    return when.astimezone(UTC)


def lots_of(session, rows: list[LotOpportunity]) -> dict[int, Lot]:
    """The lots of ``rows`` with their tenders, by id, in one query."""
    ids = sorted({row.lot_id for row in rows})
    if not ids:
        return {}
    found = session.scalars(select(Lot).options(joinedload(Lot.tender))
                            .where(Lot.id.in_(ids)))
    return {lot.id: lot for lot in found}


def get_opportunity(session, member_id: int, lot_id: int) -> LotOpportunity:
    """``member_id``'s notified opportunity on lot ``lot_id``, or NotFound."""
    row = None
    if 0 < lot_id <= MAX_ID:
        row = session.scalar(select(LotOpportunity).where(
            notified(member_id), LotOpportunity.lot_id == lot_id))
    if row is None:
        raise NotFound(_("Opportunité introuvable."))
    return row


def is_open(lot: Lot, now: datetime | None = None) -> bool:
    """Tell whether structures may still answer ``lot``: published, before the deadline."""
    tender = lot.tender
    now = now or now_utc()
    return (lot.status == TenderStatus.published and tender.status == TenderStatus.published
            and (tender.deadline is None or now < tender.deadline))


def check_open(lot: Lot, now: datetime | None = None) -> None:
    """Refuse (409 invalid_state) what only an open lot allows."""
    if not is_open(lot, now):
        raise InvalidState(_("Ce lot n'est plus ouvert aux réponses : il n'est plus publié "
                             "ou sa date limite est passée."))


# -- the structure's answer ------------------------------------------------------------------

def mark_seen(session, row: LotOpportunity, *, now: datetime | None = None) -> LotOpportunity:
    """Note when the structure first opened the opportunity (later opens change nothing)."""
    if row.seen_at is None:
        row.seen_at = now or now_utc()
        session.flush()
    return row


def answer(session, row: LotOpportunity, lot: Lot, said: Answer, *,
           now: datetime | None = None) -> LotOpportunity:
    """Record (or change) the structure's answer on an open lot; flush."""
    now = now or now_utc()
    check_open(lot, now)
    check_answer(session, row, lot, said)
    row.interest, row.reason = said.interest, said.reason
    row.comment, row.grouping_id = said.comment.strip(), said.grouping_id
    row.answered_at = now
    if row.seen_at is None:
        row.seen_at = now  # answering is having seen it
    session.flush()
    return row


def check_answer(session, row: LotOpportunity, lot: Lot, said: Answer) -> None:
    """Refuse an answer whose reason or grouping does not fit its interest."""
    if said.interest == Interest.not_interested and said.reason is None:
        raise ValidationError({"reason": [_("Dites pourquoi ce lot ne vous intéresse pas.")]})
    if said.interest != Interest.not_interested and said.reason is not None:
        raise ValidationError({"reason": [_("Une raison n'accompagne qu'un refus.")]})
    if said.reason is not None and said.reason not in set(Reason):
        raise ValidationError({"reason": [_("Raison inconnue.")]})
    if said.grouping_id is None:
        return
    if said.interest != Interest.as_grouping:
        raise ValidationError({"grouping_id": [_("Un groupement n'accompagne qu'une "
                                                 "réponse en groupement.")]})
    grouping = session.get(Grouping, said.grouping_id) if 0 < said.grouping_id <= MAX_ID \
        else None
    accepted = grouping is not None and any(
        gm.member_id == row.member_id and gm.status == InvitationStatus.accepted
        for gm in grouping.members)
    if not accepted or grouping.status == GroupingStatus.dissolved:
        raise ValidationError({"grouping_id": [_("Choisissez un groupement en cours dont "
                                                 "votre structure a accepté d'être membre.")]})
    if grouping.lot_id is not None and grouping.lot_id != lot.id:
        raise ValidationError({"grouping_id": [_("Ce groupement a été proposé pour un "
                                                 "autre lot.")]})


# -- questions -------------------------------------------------------------------------------

def clean(value: str, field: str, high: int) -> str:
    """The text without surrounding spaces, 1 to ``high`` characters; else a 422."""
    value = (value or "").strip()
    if not 1 <= len(value) <= high:
        raise ValidationError({field: [_("Entre %(low)s et %(high)s caractères.",
                                         low=1, high=high)]})
    return value


def ask(session, lot: Lot, member: Member, user_id: int | None, text: str, *,
        now: datetime | None = None, high: int = 2000) -> LotQuestion:
    """Write ``member``'s question on an open ``lot`` (a structure of the directory); flush."""
    check_open(lot, now)
    if session.get(Structure, member.id) is None:
        raise BusinessRuleError(_("Seules les structures du répertoire posent des questions "
                                  "sur un lot."), code="not_eligible")
    text = clean(text, "question", high)
    waiting = session.scalars(select(LotQuestion.id).where(
        LotQuestion.lot_id == lot.id, LotQuestion.member_id == member.id,
        LotQuestion.answer.is_(None)).limit(MAX_OPEN)).all()
    if len(waiting) >= MAX_OPEN:
        raise BusinessRuleError(_("Votre structure a déjà %(n)s questions sans réponse sur ce "
                                  "lot.", n=MAX_OPEN), code="limit_exceeded")
    question = LotQuestion(lot_id=lot.id, member_id=member.id, member=member, user_id=user_id,
                           question=text, created_at=now or now_utc())
    session.add(question)
    session.flush()
    return question


def list_questions(session, lot: Lot, *, limit: int = DEFAULT_LIMIT,
                   cursor: str | None = None) -> Page:
    """One page of the questions on ``lot``, oldest first."""
    stmt = select(LotQuestion).where(LotQuestion.lot_id == lot.id)
    return paginate(session, stmt, LotQuestion.id, limit=limit, cursor=cursor)


def lot_question(session, lot: Lot, question_id: int) -> LotQuestion:
    """The question ``question_id`` asked on ``lot``, or NotFound."""
    question = session.get(LotQuestion, question_id) if 0 < question_id <= MAX_ID else None
    if question is None or question.lot_id != lot.id:
        raise NotFound(_("Question introuvable."))
    return question


def answer_question(session, lot: Lot, question: LotQuestion, text: str, *,
                    now: datetime | None = None, high: int = 2000) -> LotQuestion:
    """Give the buyer's answer, once, and tell the lot's notified structures and the asker."""
    text = clean(text, "answer", high)
    now = now or now_utc()
    # Conditional, so two answers raced still make one: the answer is a public record.
    done = session.execute(update(LotQuestion).where(
        LotQuestion.id == question.id, LotQuestion.answer.is_(None))
        .values(answer=text, answered_at=now).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise InvalidState(_("Cette question a déjà sa réponse : elle ne se change plus."))
    session.refresh(question)
    told = set(session.scalars(select(LotOpportunity.member_id).where(
        LotOpportunity.lot_id == lot.id, LotOpportunity.notified_at.is_not(None))))
    told.add(question.member_id)
    users = session.scalars(select(UserRole.user_id).where(
        UserRole.member_id.in_(sorted(told)),
        UserRole.role.in_([str(r) for r in notifications.MEMBER_ROLES]))
        .distinct().order_by(UserRole.user_id)).all()
    notifications.notify(session, users, NotificationKind.lot_answer,
                         {"lot_title": lot.title, "excerpt": text[:EXCERPT]},
                         f"/opportunites/{lot.id}")
    return question


# -- the buyer's funnel ----------------------------------------------------------------------

def funnel(session, lot: Lot) -> dict:
    """How far the lot's matches went: told, seen, answered (and why not), asked, bid."""
    rows = list(session.scalars(select(LotOpportunity).where(LotOpportunity.lot_id == lot.id)
                                .order_by(LotOpportunity.rank, LotOpportunity.id)))
    told = [r for r in rows if r.notified_at is not None]
    interests = Counter(r.interest for r in told if r.interest)
    reasons = Counter(r.reason for r in told if r.interest == Interest.not_interested)
    batches: dict[int, list[LotOpportunity]] = {}
    for r in told:
        if r.batch is not None:
            batches.setdefault(r.batch, []).append(r)
    questions = session.execute(select(func.count(), func.count(LotQuestion.answer))
                                .where(LotQuestion.lot_id == lot.id)).one()
    bids = session.scalar(select(func.count()).select_from(Bid).where(
        Bid.lot_id == lot.id, Bid.status.in_([str(s) for s in COUNTED_BIDS])))
    return {
        "lot_id": lot.id, "matched": len(rows), "notified": len(told),
        "seen": sum(1 for r in told if r.seen_at is not None),
        "interested": interests[Interest.interested],
        "as_grouping": interests[Interest.as_grouping],
        "not_interested": interests[Interest.not_interested],
        "reasons": {reason.value: reasons[reason] for reason in Reason},
        "questions": questions[0], "answered_questions": questions[1], "bids": bids,
        "batches": [{"batch": n, "notified": len(group),
                     "sent_at": min(r.notified_at for r in group)}
                    for n, group in sorted(batches.items())],
        "answers": [{"member": {"id": r.member.id, "name": r.member.name},
                     "interest": r.interest, "reason": r.reason, "comment": r.comment,
                     "grouping_id": r.grouping_id, "answered_at": r.answered_at}
                    for r in sorted((r for r in told if r.interest),
                                    key=lambda r: (r.answered_at, r.id))],
    }
