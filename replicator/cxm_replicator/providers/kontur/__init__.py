"""Контур.ОФД (docs-ofd-api.kontur.ru, API v2).

Login and password → a session id (Sid), sent as `Authorization: auth.sid <Sid>` together
with the integrator key `X-Kontur-Ofd-ApiKey`; an expired session answers 401 and is
renewed. Documents received in a period come in cursor pages of at most 1,000."""

from cxm_replicator.providers.base import ProviderContext, Setting
from cxm_replicator.providers.kontur.transport import KonturProvider

SETTINGS = (
    Setting("auth_url", "Kontur authentication address", default="https://api.kontur.ru"),
    Setting("base_url", "Контур.ОФД API address", default="https://ofd-api.kontur.ru"),
    Setting("organization_id", "Organization id (empty: the first one of the account)"),
    Setting("login", "Kontur login (e-mail)", secret=True),
    Setting("password", "Kontur password", secret=True),
    Setting("api_key", "Integrator key issued by Контур.ОФД", secret=True),
)


def create(context: ProviderContext) -> KonturProvider:
    return KonturProvider(context)
