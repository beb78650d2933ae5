"""The caller's own API tokens. A token may list and revoke its owner's tokens, but only a
logged-in browser session may create one: a leaked token cannot mint its successors."""

from django.http import HttpRequest
from ninja import Router, Status
from ninja.errors import HttpError

from cxm.api.auth import session_auth
from cxm.api.schemas import Message, NewTokenOut, TokenIn, TokenOut
from cxm.org.models import ApiToken
from cxm.org.tokens import TokenError, issue_token, revoke_token, tokens_of

router = Router(tags=["tokens"])


@router.get("/tokens", response=list[TokenOut], summary="My API tokens (prefixes only)")
def list_tokens(request: HttpRequest) -> list[ApiToken]:
    return list(tokens_of(request.auth))  # type: ignore[attr-defined]


@router.post(
    "/tokens",
    auth=[session_auth],
    response={201: NewTokenOut, 401: Message},
    summary="Create an API token (browser session only); the raw token is shown once",
)
def create_token(request: HttpRequest, payload: TokenIn) -> Status[dict]:
    try:
        token, raw = issue_token(request.auth, payload.name)  # type: ignore[attr-defined]
    except TokenError as exc:
        raise HttpError(422, str(exc)) from None
    return Status(201, {**TokenOut.model_validate(token).model_dump(), "token": raw})


@router.delete(
    "/tokens/{prefix}",
    response={200: TokenOut, 404: Message},
    summary="Revoke one of my tokens",
)
def delete_token(request: HttpRequest, prefix: str) -> ApiToken:
    try:
        return revoke_token(prefix, user=request.auth)  # type: ignore[attr-defined]
    except TokenError as exc:
        raise HttpError(404, str(exc)) from None
