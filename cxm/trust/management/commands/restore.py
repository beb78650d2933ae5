from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cxm.trust.backup import BackupError, fingerprint, restore


class Command(BaseCommand):
    help = "Replace the database's contents with a backup made by `cxm backup`."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, file: Path, yes: bool, **options):
        if not yes and input(f"Replace everything in the database with {file}? [y/N] ") != "y":
            raise CommandError("not restored")
        try:
            restore(file)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(count for count, _ in fingerprint().values())
        self.stdout.write(f"restored {rows} rows from {file}")
