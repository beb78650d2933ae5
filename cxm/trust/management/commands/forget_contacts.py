from django.conf import settings
from django.core.management.base import BaseCommand

from cxm.trust.personal import forget_expired_contacts


class Command(BaseCommand):
    help = (
        "Remove customers' contacts left more than CXM_CONTACT_RETENTION_DAYS days ago (the "
        "worker does it on its periodic tick too); each run is written to the audit log."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            help=f"instead of CXM_CONTACT_RETENTION_DAYS ({settings.CXM_CONTACT_RETENTION_DAYS})",
        )

    def handle(self, *args, days: int | None, **options):
        removed = forget_expired_contacts(days=days)
        self.stdout.write(f"removed the contact from {removed} rows")
