"""`cxm rollups rebuild [--store CODE…]`: sum the facts into the rollups again from scratch —
after restoring facts from elsewhere, or to prove the kept rollups right (`--check`)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from cxm.org.models import Store
from cxm.rollups.read_time import sum_changed_days
from cxm.rollups.refresh import ROLLUP_TABLES, rebuild


class Command(BaseCommand):
    help = "Rebuild the rollups the dashboards and reports read from the facts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rebuild"])
        parser.add_argument("--store", action="append", help="store code (repeatable)")
        parser.add_argument(
            "--check",
            action="store_true",
            help="rebuild in a transaction that is rolled back; exit 1 if any row differed",
        )

    def handle(self, *args, action: str, store: list[str] | None, check: bool, **options):
        store_ids = None
        if store:
            found = dict(Store.objects.filter(code__in=store).values_list("code", "pk"))
            unknown = sorted(set(store) - set(found))
            if unknown:
                raise CommandError(f"unknown store {unknown[0]!r}")
            store_ids = list(found.values())
        with transaction.atomic():
            # The rows summed by their next reader: summed here before and after.
            sum_changed_days(store_ids)
            before = _rows(store_ids) if check else None
            days = rebuild(store_ids)
            sum_changed_days(store_ids)
            if check:
                differing = len(before ^ _rows(store_ids))
                transaction.set_rollback(True)
                self.stdout.write(f"{days} store-days checked, {differing} rows differed")
                if differing:
                    raise CommandError("the rollups differ from the facts")
                return
        self.stdout.write(f"{days} store-days summed")


def _rows(store_ids: list[int] | None) -> set[tuple]:
    rows = set()
    for model in ROLLUP_TABLES:
        queryset = model.objects.all()
        if store_ids is not None:
            queryset = queryset.filter(store_id__in=store_ids)
        columns = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        rows.update((model.__name__, *row) for row in queryset.values_list(*columns))
    return rows
