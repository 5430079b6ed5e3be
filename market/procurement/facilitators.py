"""Clause facilitators' territories: the departments whose contracts each one follows."""

from flask_babel import gettext as _
from sqlalchemy import delete, select

from market.auth.models import User
from market.auth.roles import Role
from market.procurement import nuts
from market.procurement.contract_models import FacilitatorDepartment
from market.web.errors import BusinessRuleError, NotFound, ValidationError

#: Ids are 32-bit: a larger one finds nothing rather than failing in PostgreSQL.
MAX_ID = 2**31 - 1


def department_names() -> dict[str, str]:
    """Every French department code and its name ("17": "Charente-Maritime")."""
    return {d.code: d.name for d in nuts.departments()}


def clean_departments(given: list[str]) -> list[str]:
    """The department codes given, upper-cased, deduplicated and sorted; unknown ones are
    refused with each one named."""
    known = department_names()
    codes = sorted({str(code).strip().upper() for code in given})
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise ValidationError({"departments": [
            _("Département inconnu : %(code)s.", code=code[:10]) for code in unknown[:10]]})
    return codes


def is_facilitator(user: User) -> bool:
    """Tell whether ``user`` holds the clause facilitator role."""
    return any(r.role == Role.clause_facilitator for r in user.roles)


def facilitator_user(session, user_id: int) -> User:
    """The user ``user_id``, who must be a clause facilitator (else not eligible)."""
    user = session.get(User, user_id) if 0 < user_id <= MAX_ID else None
    if user is None:
        raise NotFound(_("Compte introuvable."))
    if not is_facilitator(user):
        raise BusinessRuleError(_("Ce compte n'est pas animateur de clause sociale."),
                                code="not_eligible")
    return user


def set_departments(session, user: User, departments: list[str]) -> list[str]:
    """Replace the departments ``user`` (a clause facilitator) follows; flush, no commit."""
    if not is_facilitator(user):
        raise BusinessRuleError(_("Ce compte n'est pas animateur de clause sociale."),
                                code="not_eligible")
    codes = clean_departments(departments)
    session.execute(delete(FacilitatorDepartment)
                    .where(FacilitatorDepartment.user_id == user.id))
    session.add_all(FacilitatorDepartment(user_id=user.id, department=code) for code in codes)
    session.flush()
    return codes


def departments_of(session, user_id: int) -> set[str]:
    """The departments a facilitator follows (none for anyone else)."""
    return set(session.scalars(select(FacilitatorDepartment.department)
                               .where(FacilitatorDepartment.user_id == user_id)))


def followed(session, user) -> set[str]:
    """The departments the signed-in ``user`` follows as a clause facilitator (none if they
    do not hold the role, or are anonymous)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    if not user.has_role(Role.clause_facilitator):
        return set()
    return departments_of(session, user.id)


def territory_data(user_id: int, codes) -> dict:
    """A facilitator's territory as FacilitatorSchema serialises it."""
    names = department_names()
    return {"user_id": user_id,
            "departments": [{"code": c, "name": names.get(c, "")} for c in sorted(codes)]}
