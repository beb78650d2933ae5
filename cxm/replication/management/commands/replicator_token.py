"""`cxm replicator_token create NAME [--chain CODE]`: a user with the replicator role in
the chain and a token for it, printed once. The token writes only receipts of the chain's
own registers and heartbeats; it reads nothing but the register map."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cxm.org.cli import operator_chain
from cxm.org.models import Membership, Role
from cxm.org.tokens import issue_token


class Command(BaseCommand):
    help = "Create a replicator user and token: cxm replicator_token create NAME"

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["create"])
        parser.add_argument("name", help="what the replicator is, e.g. head-office")
        parser.add_argument("--chain", default=None, help="chain code (when there are several)")

    def handle(self, *args, action: str, name: str, chain: str | None, **options) -> None:
        the_chain = operator_chain(chain)
        username = f"replicator-{name}"
        users = get_user_model().objects
        if users.filter(username=username).exists():
            raise CommandError(f"user {username!r} exists: revoke its tokens or pick a new name")
        with transaction.atomic():
            user = users.create_user(username=username)  # no password: token only
            Membership.objects.create(user=user, chain=the_chain, role=Role.REPLICATOR)
            _, raw = issue_token(user, f"replicator {name}")
        self.stdout.write(raw)
        self.stderr.write(
            f"user {username} (role replicator, chain {the_chain.code}); the token is shown "
            "once: paste it into `cxm-replicator init`"
        )
