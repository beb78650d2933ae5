import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cxm.org.cli import operator_chain
from cxm.staff.services import define_template


class Command(BaseCommand):
    help = (
        "Define a service standard from a JSON file {code, name, items: [{code, factor, text, "
        "points, weight, critical, na_allowed}]}: a new version when anything changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--chain", help="chain code (default: the only chain)")

    def handle(self, path, chain, **options):
        try:
            spec = json.loads(path.read_text(encoding="utf-8"))
            template = define_template(
                operator_chain(chain), spec["code"], spec["name"], spec["items"]
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CommandError(f"{path}: {exc}") from None
        self.stdout.write(
            f"{template.code} version {template.version}: {template.items.count()} items"
        )
