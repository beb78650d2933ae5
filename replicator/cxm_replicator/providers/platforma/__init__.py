"""Платформа ОФД (platformaofd.ru, Evotor group), Client API v1.2.0.

A static token issued by the OFD ("Token" header); receipts with items by period, at most
7 days and 5,000 documents a call, filtered by OFD receive time (dateType=2); at most two
concurrent calls per token (503 "Retry after: 60s"), 503-01 while documents of the period
are still "in processing" (with a Retry-After header)."""

from cxm_replicator.providers.base import ProviderContext, Setting
from cxm_replicator.providers.platforma.transport import PlatformaProvider

SETTINGS = (
    Setting("base_url", "API address", default="https://ofv-api-v0-1-1.evotor.ru"),
    Setting("token", "API token issued by Платформа ОФД", secret=True),
)


def create(context: ProviderContext) -> PlatformaProvider:
    return PlatformaProvider(context)
