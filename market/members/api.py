"""JSON API for members and sectors: parse, call one service, serialise."""

from flask_login import current_user

from market.auth.access import member, network
from market.auth.roles import Role
from market.members import services, taxonomy
from market.members.schemas import (
    MemberCreateSchema,
    MemberPageSchema,
    MemberQueryArgsSchema,
    MemberSchema,
    MemberUpdateSchema,
    SectorGroupListSchema,
)
from market.platform.database import begin_write
from market.platform.extensions import db
from market.web.access import any_of, protect, public
from market.web.jsonapi import Blueprint

blp = Blueprint("members_api", __name__, url_prefix="/api/v1", description="Members and sectors")


def viewer() -> tuple[bool, set[int]]:
    """Return whether the caller is a network admin, and the members they belong to."""
    if not current_user.is_authenticated:
        return False, set()
    return current_user.has_role(Role.network_admin), current_user.claimed_member_ids()


@blp.get("/members")
@blp.arguments(MemberQueryArgsSchema, location="query", as_kwargs=True)
@blp.response(200, MemberPageSchema)
def list_members(limit: int, cursor: str | None, **filters):
    """List members, by id; only active ones unless the caller is a network admin."""
    is_admin, _own = viewer()
    return services.search_members(db.session, filters, include_inactive=is_admin,
                                   limit=limit, cursor=cursor)


@blp.post("/members")
@blp.arguments(MemberCreateSchema)
@blp.response(201, MemberSchema)
def create_member(data: dict):
    """Add an active member (network admins)."""
    begin_write(db.session)
    created = services.create_member(db.session, data, status=data.pop("status", "active"))
    db.session.commit()
    return created


@blp.get("/members/<int:member_id>")
@blp.response(200, MemberSchema)
def get_member(member_id: int):
    """Show a member: active ones to anyone, others to network admins and its own users."""
    is_admin, own = viewer()
    return services.get_visible_member(db.session, member_id, network_admin=is_admin,
                                       own_member_ids=own)


@blp.patch("/members/<int:member_id>")
@blp.arguments(MemberUpdateSchema)
@blp.response(200, MemberSchema)
def update_member(data: dict, member_id: int):
    """Change some fields of a member (its member admins, network admins)."""
    begin_write(db.session)
    is_admin, _own = viewer()
    target = services.get_member(db.session, member_id)
    updated = services.update_member(db.session, target, data, as_network_admin=is_admin)
    db.session.commit()
    return updated


@blp.get("/sectors")
@blp.response(200, SectorGroupListSchema)
def list_sectors():
    """List the sector taxonomy: groups, their sectors and each sector's CPV divisions."""
    return {"items": taxonomy.groups(), "next_cursor": None}


protect(blp, {
    "list_members": public,
    "create_member": network(Role.network_admin),
    "get_member": public,
    "update_member": any_of(member(Role.member_admin, arg="member_id"),
                            network(Role.network_admin)),
    "list_sectors": public,
})
