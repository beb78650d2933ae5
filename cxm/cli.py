"""The `cxm` command: every Django management command, plus CXM's own (demo, import,
report, simulate), without a manage.py."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxm.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["cxm", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
