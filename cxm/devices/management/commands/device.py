from django.core.management.base import BaseCommand, CommandError, CommandParser

from cxm.devices.models import DEVICE_TOKEN_PREFIX, DeviceKind
from cxm.devices.tokens import (
    device_tokens_of,
    issue_device_token,
    revoke_device_token,
    rotate_device_token,
)
from cxm.org.cli import operator_chain, operator_scope, store_of
from cxm.org.tokens import TokenError, token_status


class Command(BaseCommand):
    help = "Device tokens (terminals, buttons, counters): create (printed once), revoke, list."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chain", help="chain code (needed only when there are several)")
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="issue a device token and print it once")
        create.add_argument("store", help="code of the store the device stands in")
        create.add_argument("name", help="e.g. 'terminal at till 2'")
        create.add_argument("--kind", choices=DeviceKind.values, default=DeviceKind.OTHER)
        revoke = actions.add_parser(
            "revoke", help="revoke the device token with this prefix (cxmd_…, as listed)"
        )
        revoke.add_argument("prefix")
        rotate = actions.add_parser(
            "rotate", help="revoke the device token with this prefix and print its replacement"
        )
        rotate.add_argument("prefix")
        listing = actions.add_parser("list", help="device tokens, by store")
        listing.add_argument("--store", help="only this store")

    def handle(self, action: str, chain: str | None = None, **options) -> None:
        chain_row = operator_chain(chain)
        try:
            getattr(self, f"_{action}")(chain_row, **options)
        except TokenError as exc:
            raise CommandError(str(exc)) from None

    def _create(self, chain, store: str, name: str, kind: str, **_) -> None:
        self._show(*issue_device_token(store_of(chain, store), name, kind))

    def _rotate(self, chain, prefix: str, **_) -> None:
        self._show(*rotate_device_token(prefix, operator_scope(chain).store_ids))

    def _show(self, token, raw: str) -> None:
        self.stderr.write(
            f"Device token {token.prefix}… for {token.store.code} ({token.name}). "
            "Copy it now: it is not stored and cannot be shown again."
        )
        self.stdout.write(raw)

    def _revoke(self, chain, prefix: str, **_) -> None:
        token = revoke_device_token(prefix, operator_scope(chain).store_ids)
        self.stdout.write(f"Revoked {token.prefix}… ({token.name}) of store {token.store.code}")

    def _list(self, chain, store: str | None = None, **_) -> None:
        ids = [store_of(chain, store).pk] if store else operator_scope(chain).store_ids
        tokens = list(device_tokens_of(ids))
        if not tokens:
            self.stdout.write("no device tokens")
        for t in tokens:
            self.stdout.write(
                f"{t.store.code}  {DEVICE_TOKEN_PREFIX}{t.prefix}…  {t.kind}  {t.name}  "
                + token_status(t)
            )
