import sys
from datetime import date

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from cxm.metrics.periods import Period
from cxm.org.cli import operator_chain, operator_scope
from cxm.reports import formats
from cxm.reports.filters import FilterError, ReportFilter
from cxm.reports.registry import OPTION_NAMES, REPORTS, build_report


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


class Command(BaseCommand):
    help = "Print a report: the same figures as the pages and the API."

    def add_arguments(self, parser):
        parser.add_argument("name", choices=sorted(REPORTS))
        parser.add_argument("--from", dest="start", type=date.fromisoformat, required=True)
        parser.add_argument("--to", dest="end", type=date.fromisoformat, required=True)
        parser.add_argument("--base-from", dest="base_start", type=date.fromisoformat)
        parser.add_argument("--base-to", dest="base_end", type=date.fromisoformat)
        parser.add_argument("--store")
        parser.add_argument("--region")
        parser.add_argument("--seller")
        parser.add_argument("--by")
        parser.add_argument("--chain", help="chain code (default: the only chain)")
        for series in ("x", "y"):
            parser.add_argument(
                f"--{series}",
                type=_names,
                action="extend",
                help="correlations: series names, repeated or comma-separated",
            )
        parser.add_argument("--outcome", help="drivers: the outcome series")
        parser.add_argument("--template", help="factors: checklist template or survey bank code")
        parser.add_argument("--source", help="factors: checklists (default) or survey")
        parser.add_argument(
            "--drivers", type=_names, action="extend", help="drivers: series, comma-separated"
        )
        parser.add_argument(
            "--grain", help="correlations, drivers: store-day|store-week|store-month|seller-month"
        )
        parser.add_argument("--format", default="table", choices=formats.FORMATS)
        parser.add_argument("--output", help="write to this file instead of standard output")

    def handle(self, name, start, end, base_start, base_end, **o):
        if end < start:
            raise CommandError("--to is before --from")
        if (base_start is None) != (base_end is None):
            raise CommandError("give both --base-from and --base-to, or neither")
        chain = operator_chain(o["chain"])
        flt = ReportFilter(
            operator_scope(chain), Period(start, end), o["store"], o["region"], o["seller"]
        )
        base = Period(base_start, base_end) if base_start else None
        try:
            options = {key: o[key] for key in OPTION_NAMES}
            report = build_report(name, flt, by=o["by"], base=base, **options)
        except (ValueError, FilterError, PermissionDenied) as exc:
            raise CommandError(str(exc)) from None
        self._emit(report, o["format"], o["output"])

    def _emit(self, report, fmt, output):
        if fmt == "xlsx":
            data = formats.to_xlsx(report)
            if output:
                with open(output, "wb") as fh:
                    fh.write(data)
            else:
                sys.stdout.buffer.write(data)
            return
        text = {"json": formats.to_json, "csv": formats.to_csv, "table": formats.to_table}[fmt](
            report
        )
        if output:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
        else:
            self.stdout.write(text)
