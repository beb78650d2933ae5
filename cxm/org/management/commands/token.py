from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cxm.org.tokens import (
    TOKEN_PREFIX,
    TokenError,
    issue_token,
    revoke_token,
    rotate_token,
    token_status,
    tokens_of,
)


class Command(BaseCommand):
    help = "API tokens: create (the raw token is printed once), revoke, list."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="issue a token and print it once")
        create.add_argument("username")
        create.add_argument("name", help="what the token is for, e.g. 'replicator MSK-1'")
        revoke = actions.add_parser(
            "revoke", help="revoke the token with this prefix (cxm_…, as listed)"
        )
        revoke.add_argument("prefix")
        rotate = actions.add_parser(
            "rotate", help="revoke the token with this prefix and print its replacement once"
        )
        rotate.add_argument("prefix")
        listing = actions.add_parser("list", help="a user's tokens, by prefix")
        listing.add_argument("username")

    def handle(self, action: str, **options) -> None:
        try:
            getattr(self, f"_{action}")(**options)
        except TokenError as exc:
            raise CommandError(str(exc)) from None

    def _create(self, username: str, name: str, **_) -> None:
        self._show(*issue_token(_user(username), name))

    def _rotate(self, prefix: str, **_) -> None:
        self._show(*rotate_token(prefix))

    def _show(self, token, raw: str) -> None:
        self.stderr.write(
            f"Token {token.prefix}… for {token.user.get_username()} ({token.name}). "
            "Copy it now: it is not stored and cannot be shown again."
        )
        # Only the token on standard output, so scripts can capture it.
        self.stdout.write(raw)

    def _revoke(self, prefix: str, **_) -> None:
        token = revoke_token(prefix)
        self.stdout.write(f"Revoked {token.prefix}… ({token.name}) of {token.user}")

    def _list(self, username: str, **_) -> None:
        tokens = list(tokens_of(_user(username)))
        if not tokens:
            self.stdout.write(f"{username} has no tokens")
        for t in tokens:
            self.stdout.write(
                f"{TOKEN_PREFIX}{t.prefix}…  {t.name}  created {t.created_at:%Y-%m-%d %H:%M}  "
                + token_status(t)
            )


def _user(username: str):
    try:
        return get_user_model().objects.get_by_natural_key(username)
    except get_user_model().DoesNotExist:
        raise CommandError(f"no user {username!r}") from None
