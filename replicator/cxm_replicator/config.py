"""The replicator's settings: one JSON file in its home folder, with no secret in it (the
secrets are in the credential store, under the names listed here)."""

import json
import os
import sys
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

from cxm_replicator.engine import SyncSettings
from cxm_replicator.http import RetryPolicy
from cxm_replicator.logs import MASK

CXM_TOKEN = "cxm_token"


def default_home() -> Path:
    """CXM_REPLICATOR_HOME, else %PROGRAMDATA%\\cxm-replicator on Windows (a service account
    can read it), else ~/.local/share/cxm-replicator."""
    if os.environ.get("CXM_REPLICATOR_HOME"):
        return Path(os.environ["CXM_REPLICATOR_HOME"])
    if sys.platform == "win32":
        return Path(os.environ.get("PROGRAMDATA", "C:/ProgramData")) / "cxm-replicator"
    return Path.home() / ".local" / "share" / "cxm-replicator"


@dataclass
class Config:
    replicator_id: str
    cxm_url: str
    provider: str
    options: dict[str, str] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)  # names in the credential store
    registers: list[str] = field(default_factory=list)
    credentials: str = "file"  # keyring | file
    overlap_minutes: int = 120
    first_sync_days: int = 7
    batch_size: int = 500
    poll_seconds: float = 60.0
    retry_attempts: int = 6
    retry_backoff_seconds: float = 1.0

    @classmethod
    def load(cls, home: Path) -> "Config":
        path = home / "config.json"
        if not path.exists():
            raise FileNotFoundError(f"no configuration in {home}: run `cxm-replicator init` first")
        return cls(**json.loads(path.read_text(encoding="utf-8")))

    def save(self, home: Path) -> Path:
        home.mkdir(parents=True, exist_ok=True)
        path = home / "config.json"
        path.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2), encoding="utf-8")
        return path

    def sync_settings(self) -> SyncSettings:
        return SyncSettings(
            overlap=timedelta(minutes=self.overlap_minutes),
            first_sync=timedelta(days=self.first_sync_days),
            batch_size=self.batch_size,
            poll_seconds=self.poll_seconds,
        )

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(attempts=self.retry_attempts, backoff=self.retry_backoff_seconds)

    def shown(self, present: set[str]) -> dict:
        """The configuration as `config show` prints it: secrets only as set / not set."""
        data = asdict(self)
        data["secrets"] = {
            name: (MASK if name in present else "(not set)") for name in self.secrets
        }
        return data
