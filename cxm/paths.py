"""Where CXM keeps its files. Read by the settings and by the CLI before Django starts."""

import os
from pathlib import Path


def data_dir() -> Path:
    return Path(os.environ.get("CXM_DATA_DIR", str(Path.home() / ".cxm"))).expanduser()
