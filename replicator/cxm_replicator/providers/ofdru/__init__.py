"""OFD.ru (ПЕТЕР-СЕРВИС Спецтехнологии), integration API v2.

Cabinet login and password → an AuthToken with its expiry (`CreateAuthToken`), renewed
before it expires and whenever the API answers 401; or an API KEY 2.0 issued in the
cabinet, sent the same way. Receipts with items by period (≤ 30 days a call, no paging:
the window is narrowed instead), about one request a second."""

from cxm_replicator.providers.base import ProviderContext, Setting
from cxm_replicator.providers.ofdru.transport import OfdRuProvider

SETTINGS = (
    Setting("base_url", "OFD.ru address", default="https://ofd.ru"),
    Setting("inn", "Organisation INN (ИНН) in the OFD.ru cabinet"),
    Setting("login", "Cabinet login (empty when an API key is used)", secret=True),
    Setting("password", "Cabinet password (empty when an API key is used)", secret=True),
    Setting("api_key", "API KEY 2.0 (empty when login and password are used)", secret=True),
)


def create(context: ProviderContext) -> OfdRuProvider:
    return OfdRuProvider(context)
