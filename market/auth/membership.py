"""Use cases for joining the network: sign-up of a member organisation, then its approval.

Like market.auth.services: the session is an argument, functions flush, the caller commits.
A SIRET already claimed by a pending sign-up can be claimed again (the real organisation
contesting a squatter, say): the network admin sees every claim and approves one; a SIRET
that an approved member holds cannot be claimed. Sign-ups are limited per address and per
email (``count_sign_up``, its own transaction, before the form is judged).
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from market.auth import throttle
from market.auth.models import User
from market.auth.roles import Role
from market.auth.services import (
    create_user,
    email_problem,
    find_user,
    normalise_email,
    password_problem,
    text_problem,
)
from market.members.identifiers import InvalidIdentifier, clean_siret, siren_of
from market.members.models import InclusionKind, LegalForm, Member, MemberStatus
from market.members.services import approved_holder
from market.platform.time import now_utc
from market.web.errors import (
    Forbidden,
    InvalidState,
    NotFound,
    TooManyRequests,
    ValidationError,
)

#: Longest accepted value of each free-text sign-up field (the column sizes).
MAX_LENGTHS = {"organisation": 200, "postcode": 16, "city": 120, "contact_name": 200}


@dataclass(frozen=True)
class SignUp:
    """What a new organisation tells us when it asks to join."""

    organisation: str
    siret: str
    legal_form: str
    inclusion_kind: str
    postcode: str
    city: str
    contact_name: str
    email: str
    password: str


def _text_problems(cmd: SignUp) -> dict[str, list[str]]:
    errors = {}
    for name, longest in MAX_LENGTHS.items():
        value = getattr(cmd, name).strip()
        if problem := text_problem(value):
            errors[name] = [problem]
        elif not value and name != "postcode":
            errors[name] = [_("Ce champ est obligatoire.")]
        elif len(value) > longest:
            errors[name] = [_("%(n)d caractères au plus.", n=longest)]
    if cmd.legal_form not in {f.value for f in LegalForm}:
        errors["legal_form"] = [_("Choisissez une forme juridique de la liste.")]
    if cmd.inclusion_kind not in {k.value for k in InclusionKind}:
        errors["inclusion_kind"] = [_("Choisissez un type de structure de la liste.")]
    return errors


def _sign_up_problems(session, cmd: SignUp) -> tuple[dict[str, list[str]], str | None]:
    errors = _text_problems(cmd)
    siret = None
    try:
        siret = clean_siret(cmd.siret)
    except InvalidIdentifier as exc:
        errors["siret"] = [str(exc)]
    else:
        if approved_holder(session, siret) is not None:
            errors["siret"] = [_("Une organisation avec ce SIRET est déjà inscrite.")]
    if problem := email_problem(cmd.email):
        errors["email"] = [problem]
    elif find_user(session, cmd.email) is not None:
        errors["email"] = [_("Un compte existe déjà avec cette adresse email.")]
    if problem := password_problem(cmd.password):
        errors["password"] = [problem]
    return errors, siret


def sign_up_member(session, cmd: SignUp) -> tuple[Member, User]:
    """Register a pending member and its first admin; nothing is written if anything is wrong."""
    errors, siret = _sign_up_problems(session, cmd)
    if errors:
        raise ValidationError(errors)
    member = Member(name=cmd.organisation.strip(), siret=siret, siren=siren_of(siret),
                    legal_form=cmd.legal_form, inclusion_kind=cmd.inclusion_kind,
                    postcode=cmd.postcode.strip(), city=cmd.city.strip(), country="FR",
                    contact_name=cmd.contact_name.strip(),
                    contact_email=normalise_email(cmd.email), status=MemberStatus.pending)
    try:
        # A savepoint, so that losing a race on the unique SIRET or email leaves the
        # caller's transaction usable and the answer is the same clear message.
        with session.begin_nested():
            session.add(member)
            session.flush()
            user = create_user(session, cmd.email, cmd.password,
                               [(Role.member_admin, member.id)], name=cmd.contact_name.strip())
    except IntegrityError:
        raise ValidationError({"email": [_("Un compte existe déjà avec cette adresse "
                                           "email.")]}) from None
    return member, user


def other_claims(session, members: list[Member]) -> dict[int, list[Member]]:
    """For each member, the other members (pending or approved) that claim its SIRET."""
    sirets = {m.siret for m in members if m.siret}
    rivals = list(session.scalars(select(Member).where(
        Member.siret.in_(sirets), Member.status != MemberStatus.rejected)
        .order_by(Member.created_at, Member.id))) if sirets else []
    return {m.id: [r for r in rivals if r.siret == m.siret and r.id != m.id] for m in members}


class TooManySignUps(TooManyRequests):
    """Too many sign-ups from this address or for this email."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message, {"retry_after": retry_after})
        self.retry_after = retry_after


def count_sign_up(session, email: str, ip: str, config, now=None) -> None:
    """Count a sign-up against its address and its email, or refuse it (nothing written).

    ``config`` holds SIGNUP_MAX_PER_IP, SIGNUP_IP_WINDOW_SECONDS, SIGNUP_MAX_PER_EMAIL and
    SIGNUP_EMAIL_WINDOW_SECONDS.
    """
    now = now or now_utc()
    by_ip = throttle.Limit("signup_ip", config["SIGNUP_MAX_PER_IP"],
                           config["SIGNUP_IP_WINDOW_SECONDS"])
    by_email = throttle.Limit("signup_email", config["SIGNUP_MAX_PER_EMAIL"],
                              config["SIGNUP_EMAIL_WINDOW_SECONDS"])
    try:
        with session.begin_nested():  # both uses, or neither
            throttle.take(session, by_ip, (ip or "")[:45], now)
            throttle.take(session, by_email, normalise_email(email)[:254], now)
    except throttle.Exhausted as full:
        wait = max(1, int((full.retry_at - now).total_seconds()))
        raise TooManySignUps(_("Trop de demandes d'adhésion : réessayez dans %(n)d minutes.",
                               n=max(1, -(-wait // 60))), wait) from None


def pending_members(session) -> list[Member]:
    """Return the organisations waiting for approval, oldest request first."""
    return list(session.scalars(select(Member).where(Member.status == MemberStatus.pending)
                                .order_by(Member.created_at, Member.id)))


def _decide(session, by: User, member_id: int, status: MemberStatus) -> Member:
    if not by.has_role(Role.network_admin):
        raise Forbidden(_("Seul un administrateur du réseau peut traiter les adhésions."))
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(_("Ce membre n'existe pas."))
    if member.status != MemberStatus.pending:
        raise InvalidState(_("L'adhésion de %(name)s a déjà été traitée.", name=member.name))
    if status == MemberStatus.active and (holder := approved_holder(session, member.siret)):
        raise InvalidState(_("Impossible d'accepter %(name)s : ce SIRET est déjà celui de "
                             "%(holder)s.", name=member.name, holder=holder.name))
    member.status = status
    try:
        with session.begin_nested():  # an approval of a rival claim may have won the race
            session.flush()
    except IntegrityError:
        raise InvalidState(_("Impossible d'accepter %(name)s : ce SIRET est déjà celui d'un "
                             "autre membre.", name=member.name)) from None
    return member


def approve_member(session, by: User, member_id: int) -> Member:
    """Accept a pending member into the network (network admins only)."""
    return _decide(session, by, member_id, MemberStatus.active)


def reject_member(session, by: User, member_id: int) -> Member:
    """Refuse a pending member's request (network admins only)."""
    return _decide(session, by, member_id, MemberStatus.rejected)


def memberships(session, user: User) -> list[tuple[str, Member | None]]:
    """Return the user's roles with the member each one is held for (None for network roles)."""
    ids = {r.member_id for r in user.roles if r.member_id is not None}
    members = {m.id: m for m in session.scalars(select(Member).where(Member.id.in_(ids)))}
    return sorted(((r.role, members.get(r.member_id)) for r in user.roles),
                  key=lambda pair: (pair[1].name if pair[1] else "", pair[0]))
