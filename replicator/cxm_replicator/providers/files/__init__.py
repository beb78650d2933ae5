"""A folder of exported receipts, for retailers whose OFD has no usable API: FNS JSON
exports (a receipt, a list, the FNS app's wrappers), JSON Lines, or CSV with FNS column
names (`items` as a JSON cell). Each file is read once; after its receipts are safely in
the outbox it moves to `done/`, and a file that cannot be read at all to `rejected/`."""

from cxm_replicator.providers.base import ProviderContext, Setting
from cxm_replicator.providers.files.transport import FolderProvider

SETTINGS = (Setting("folder", "Folder the OFD exports are saved into"),)


def create(context: ProviderContext) -> FolderProvider:
    return FolderProvider(context)
