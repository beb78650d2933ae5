"""Shared fixtures: a small chain made through the import contract, and personas
(chain admin, analyst, regional manager, store manager, seller, outsider)."""

import os
import tempfile

os.environ.setdefault("CXM_DATA_DIR", tempfile.mkdtemp(prefix="cxm-test-"))

import pytest  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402

from cxm.imports.records import read_payload  # noqa: E402
from cxm.imports.registry import run_import  # noqa: E402
from cxm.org.models import Chain, Membership, Region, Role, Seller, Store  # noqa: E402
from cxm.org.services import default_chain  # noqa: E402

STORES = [
    {"code": "MSK-1", "name": "Москва, Тверская", "region": "Центр", "city": "Москва",
     "timezone": "Europe/Moscow", "lat": 55.76, "lon": 37.61, "registers": ["0000000000000001"]},
    {"code": "MSK-2", "name": "Москва, Арбат", "region": "Центр", "city": "Москва",
     "timezone": "Europe/Moscow", "lat": 55.75, "lon": 37.59, "registers": ["0000000000000002"]},
    {"code": "NSK-1", "name": "Новосибирск, Красный пр.", "region": "Сибирь",
     "city": "Новосибирск", "timezone": "Asia/Novosibirsk", "lat": 55.03, "lon": 82.92,
     "registers": ["0000000000000003"]},
]
SELLERS = [
    {"code": "MSK-1-S1", "name": "Иванова Мария Сергеевна", "store": "MSK-1",
     "aliases": ["Иванова Мария Сергеевна, Продавец-кассир"]},
    {"code": "MSK-1-S2", "name": "Петров Олег Иванович", "store": "MSK-1"},
    {"code": "MSK-2-S1", "name": "Смирнова Анна Петровна", "store": "MSK-2"},
    {"code": "NSK-1-S1", "name": "Кузнецов Илья Андреевич", "store": "NSK-1"},
]


@pytest.fixture
def chain(db) -> Chain:
    chain = default_chain()
    for kind, records in (("stores", STORES), ("sellers", SELLERS)):
        result = run_import(kind, chain, read_payload(records))
        assert not result.rejected, result.rejected
    return chain


def make_user(chain: Chain, username: str, role: str, **scope) -> object:
    user = get_user_model().objects.create_user(username=username, password="pw-" + username)
    Membership.objects.create(user=user, chain=chain, role=role, **scope)
    return user


@pytest.fixture
def personas(chain) -> dict[str, object]:
    other = Chain.objects.create(code="other", name="Чужая сеть")
    other_region = Region.objects.create(chain=other, name="Запад")
    Store.objects.create(chain=other, region=other_region, code="OTH-1", name="Чужой магазин")
    return {
        "admin": make_user(chain, "admin", Role.CHAIN_ADMIN),
        "analyst": make_user(chain, "analyst", Role.ANALYST),
        "regional": make_user(
            chain, "regional", Role.REGIONAL_MANAGER, region=Region.objects.get(name="Сибирь")
        ),
        "manager": make_user(
            chain, "manager", Role.STORE_MANAGER, store=Store.objects.get(code="MSK-2")
        ),
        "seller": make_user(
            chain, "seller", Role.SELLER, seller=Seller.objects.get(code="MSK-1-S1")
        ),
        "outsider": make_user(other, "outsider", Role.CHAIN_ADMIN),
    }
