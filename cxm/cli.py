"""The `cxm` command: every Django management command, plus CXM's own (demo, import,
report, simulate), without a manage.py."""

import os
import sys

from cxm.paths import data_dir


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["demo"]:
        _prepare_demo()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxm.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["cxm", *args])


def _prepare_demo() -> None:
    """The demo gets a fresh database of its own, never the installation's real one."""
    if "CXM_DATABASE_URL" in os.environ:
        return
    demo_dir = data_dir() / "demo"
    os.environ["CXM_DATA_DIR"] = str(demo_dir)
    for name in ("cxm.sqlite3", "cxm.sqlite3-wal", "cxm.sqlite3-shm"):
        (demo_dir / name).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
