"""Where CXM keeps its files. Read by the settings and by the CLI before Django starts."""

import os
from pathlib import Path


def data_dir() -> Path:
    return Path(os.environ.get("CXM_DATA_DIR", str(Path.home() / ".cxm"))).expanduser()


# Set by `cxm demo` when the database is the demo's own SQLite file, which it may empty.
DEMO_OWNS_DATABASE = "CXM_DEMO_OWNS_DATABASE"
