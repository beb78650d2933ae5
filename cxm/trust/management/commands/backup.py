from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cxm.trust.backup import BackupError, backup, fingerprint


class Command(BaseCommand):
    help = "Back up the database to FILE (SQLite: online backup API; PostgreSQL: pg_dump -Fc)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            backup(file)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(count for count, _ in fingerprint().values())
        self.stdout.write(f"backed up {rows} rows to {file}")
