import json

from django.core.management.base import BaseCommand, CommandError

from cxm.org.models import Chain
from cxm.trust.personal import customer_data, erase_customer


class Command(BaseCommand):
    help = (
        "One customer's personal data, found by their phone or e-mail: print it as JSON "
        "(a data-subject request), or --erase the contact everywhere it is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("contact", help="phone number or e-mail, in any spelling")
        parser.add_argument("--chain", help="chain code (needed when there are several)")
        parser.add_argument("--erase", action="store_true", help="remove the contact")

    def handle(self, *args, contact: str, chain: str | None, erase: bool, **options):
        chains = Chain.objects.filter(code=chain) if chain else Chain.objects.all()
        if chains.count() != 1:
            raise CommandError("name the chain with --chain CODE")
        chain_id = chains.get().pk
        if erase:
            self.stdout.write(f"erased the contact from {erase_customer(chain_id, contact)} rows")
            return
        data = customer_data(chain_id, contact)
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=1))
