"""Putting a configured replicator together from its home folder."""

from dataclasses import dataclass
from pathlib import Path

from cxm_replicator.clock import Clock, SystemClock
from cxm_replicator.config import CXM_TOKEN, Config
from cxm_replicator.credentials import CredentialStore, open_store
from cxm_replicator.cxm import CxmClient
from cxm_replicator.engine import Replicator
from cxm_replicator.http import RetryPolicy
from cxm_replicator.outbox import Outbox
from cxm_replicator.providers import create_provider
from cxm_replicator.providers.base import Provider, ProviderContext

OFD_PREFIX = "ofd."


@dataclass
class Runtime:
    home: Path
    config: Config
    store: CredentialStore
    clock: Clock

    def provider(self, policy: RetryPolicy | None = None) -> Provider:
        # The provider reads each secret when it needs it; nothing else ever sees them.
        context = ProviderContext(
            self.config.options,
            lambda name: self.store.get(OFD_PREFIX + name),
            self.clock,
            policy or self.config.retry_policy(),
        )
        return create_provider(self.config.provider, context)

    def cxm(self, policy: RetryPolicy | None = None) -> CxmClient:
        return CxmClient(
            self.config.cxm_url,
            self.store.get(CXM_TOKEN),
            self.clock,
            policy or self.config.retry_policy(),
        )

    def outbox(self) -> Outbox:
        return Outbox(self.home / "outbox.sqlite3")

    def replicator(self) -> Replicator:
        return Replicator(
            provider=self.provider(),
            outbox=self.outbox(),
            cxm=self.cxm(),
            clock=self.clock,
            registers=self.config.registers,
            provider_name=self.config.provider,
            replicator_id=self.config.replicator_id,
            settings=self.config.sync_settings(),
        )


def load(home: Path, clock: Clock | None = None) -> Runtime:
    config = Config.load(home)
    store = open_store(home, config.replicator_id, config.credentials)
    return Runtime(home, config, store, clock or SystemClock())
