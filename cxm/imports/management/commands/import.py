import gc
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cxm.imports.records import ImportResult, read_path
from cxm.imports.registry import IMPORTERS, run_import
from cxm.org.cli import operator_chain, store_of


class Command(BaseCommand):
    help = "Import contract files (JSON Lines, JSON or CSV): stores, sellers, receipts, traffic."
    # The checks import every URL module and with them the analysis libraries (statsmodels
    # and the like: a second and 80 MB) that no import uses; `cxm check` runs them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(IMPORTERS))
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--store", help="store code for records that name no store")
        parser.add_argument("--chain", help="chain code (default: the only chain)")

    def handle(self, kind, paths, store, chain, **options):
        # What start-up loaded (Django, pandas, scipy: millions of objects) lives as long as
        # this command: frozen, the cyclic garbage collector stops walking it again and
        # again while a large file makes millions of short-lived records — that walking took
        # two thirds of a large import's time.
        gc.freeze()
        chain_obj = operator_chain(chain)
        default_store = store_of(chain_obj, store)
        total = ImportResult(kind)
        for path in paths:
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
            try:
                result = run_import(kind, chain_obj, read_path(path), default_store=default_store)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            for rejection in result.rejected:
                self.stderr.write(f"{path}: {rejection}")
            total.merge(result)
        self.stdout.write(
            f"{kind}: {total.accepted} accepted, {total.updated} updated, "
            f"{total.duplicates} duplicate, {len(total.rejected)} rejected"
        )
        if total.rejected:
            raise SystemExit(1)
