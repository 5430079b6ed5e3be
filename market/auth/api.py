"""JSON API for the signed-in caller: who am I, and their API tokens."""

from flask_login import current_user

from market.auth import services
from market.auth.schemas import (
    MeSchema,
    TokenCreatedSchema,
    TokenCreateSchema,
    TokenPageSchema,
    TokenSchema,
)
from market.auth.tokens import ID_CONVERTER
from market.platform.database import begin_write
from market.platform.extensions import db
from market.web.access import protect, signed_in
from market.web.jsonapi import Blueprint
from market.web.pagination import PageArgsSchema

blp = Blueprint("auth_api", __name__, url_prefix="/api/v1", description="Users and tokens")


@blp.get("/me")
@blp.response(200, MeSchema)
@blp.alt_response(401, description="Not authenticated.")
def me():
    """Describe the caller: email and roles, each with the member it is held for."""
    return current_user


@blp.get("/tokens")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, TokenPageSchema)
@blp.alt_response(401, description="Not authenticated.")
def list_tokens(args):
    """List the caller's live API tokens (never their secret)."""
    return services.token_page(db.session, current_user, args["limit"], args["cursor"])


@blp.post("/tokens")
@blp.arguments(TokenCreateSchema)
@blp.response(201, TokenCreatedSchema)
@blp.alt_response(401, description="Not authenticated.")
@blp.alt_response(403, description="Called with a token that may not create tokens.")
def create_token(body):
    """Create an API token for the caller; its plaintext is in this response only.

    With a session cookie, or with a token that carries the right to create tokens.
    """
    begin_write(db.session)
    token, plaintext = services.create_token(db.session, current_user, body["name"],
                                             body["expires_at"], body["can_create_tokens"])
    db.session.commit()
    return {**{name: getattr(token, name) for name in TokenSchema().fields},
            "token": plaintext}


@blp.delete(f"/tokens/<{ID_CONVERTER}:token_id>")
@blp.response(204)
@blp.alt_response(401, description="Not authenticated.")
@blp.alt_response(404, description="No such token among the caller's.")
def delete_token(token_id: int):
    """Revoke one of the caller's tokens; it never authenticates again."""
    begin_write(db.session)
    services.revoke_token(db.session, current_user, token_id)
    db.session.commit()


def may_create_tokens(user, view_args) -> bool:
    """Access rule: a signed-in person, or a token that carries the right to create tokens."""
    return user is not None and getattr(user, "can_create_tokens", True)


protect(blp, {"me": signed_in, "list_tokens": signed_in, "create_token": may_create_tokens,
              "delete_token": signed_in})
