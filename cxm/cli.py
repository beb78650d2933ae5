"""The `cxm` command: every Django management command, plus CXM's own (demo, import,
report, simulate), without a manage.py."""

import os
import sys

from cxm.paths import data_dir


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["demo"]:
        args = [*args, *_prepare_demo()]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxm.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["cxm", *args])


def _prepare_demo() -> list[str]:
    """The demo gets a database of its own, never the installation's real one; the command
    empties it once its arguments are known to be good (so `cxm demo --help` keeps it)."""
    if "CXM_DATABASE_URL" in os.environ:
        return []
    os.environ["CXM_DATA_DIR"] = str(data_dir() / "demo")
    return ["--own-database"]


if __name__ == "__main__":
    main()
