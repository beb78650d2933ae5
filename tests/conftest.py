"""Shared fixtures: a small chain made through the import contract, and personas
(chain admin, analyst, regional manager, store manager, seller, outsider)."""

import atexit
import os
import shutil
import tempfile

if "CXM_DATA_DIR" not in os.environ:
    # Each test process (xdist worker) gets its own data directory, removed when it exits.
    os.environ["CXM_DATA_DIR"] = tempfile.mkdtemp(prefix="cxm-test-")
    atexit.register(shutil.rmtree, os.environ["CXM_DATA_DIR"], ignore_errors=True)

import pytest  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.test import override_settings  # noqa: E402

from cxm.imports.records import read_payload  # noqa: E402
from cxm.imports.registry import run_import  # noqa: E402
from cxm.org.models import Chain, Membership, Region, Role, Seller, Store  # noqa: E402
from cxm.org.services import default_chain  # noqa: E402
from cxm.trust.throttle import WINDOW_COUNTS  # noqa: E402
from tests.factories import count, receipt  # noqa: E402

STORES = [
    {
        "code": "MSK-1",
        "name": "Москва, Тверская",
        "region": "Центр",
        "city": "Москва",
        "timezone": "Europe/Moscow",
        "lat": 55.76,
        "lon": 37.61,
        "registers": ["0000000000000001"],
    },
    {
        "code": "MSK-2",
        "name": "Москва, Арбат",
        "region": "Центр",
        "city": "Москва",
        "timezone": "Europe/Moscow",
        "lat": 55.75,
        "lon": 37.59,
        "registers": ["0000000000000002"],
    },
    {
        "code": "NSK-1",
        "name": "Новосибирск, Красный пр.",
        "region": "Сибирь",
        "city": "Новосибирск",
        "timezone": "Asia/Novosibirsk",
        "lat": 55.03,
        "lon": 82.92,
        "registers": ["0000000000000003"],
    },
]
SELLERS = [
    {
        "code": "MSK-1-S1",
        "name": "Иванова Мария Сергеевна",
        "store": "MSK-1",
        "aliases": ["Иванова Мария Сергеевна, Продавец-кассир"],
    },
    {"code": "MSK-1-S2", "name": "Петров Олег Иванович", "store": "MSK-1"},
    {"code": "MSK-2-S1", "name": "Смирнова Анна Петровна", "store": "MSK-2"},
    {"code": "NSK-1-S1", "name": "Кузнецов Илья Андреевич", "store": "NSK-1"},
]


# Fixtures through which a test reaches the database under test.
_DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "live_server"}
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With CXM_TESTS_DATABASE_ONLY set (the PostgreSQL run of .ci/run), keep only the tests
    that touch a database: the pure ones (parsers, statistics, the simulator, the replicator's
    own units) already ran on SQLite and would only repeat themselves."""
    if not os.environ.get("CXM_TESTS_DATABASE_ONLY"):
        return
    kept, dropped = [], []
    for item in items:
        touches = _DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        marked = item.get_closest_marker("django_db") or item.get_closest_marker("database")
        (kept if touches or marked else dropped).append(item)
    config.hook.pytest_deselected(items=dropped)
    items[:] = kept


@pytest.fixture(autouse=True, scope="session")
def fast_passwords():
    """Django's default hasher (the product's, PBKDF2) spends a quarter of a second a hash by
    design; the tests make six personas for most tests, so they hash with MD5 instead."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def fresh_rate_counts():
    """Rate counts held in the process's memory (cxm/trust/throttle.py) outlive the test's
    database, which is rolled back: each test starts with none."""
    WINDOW_COUNTS.forget()


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


@pytest.fixture
def sales(chain):
    """Receipts (a return among them) and traffic in MSK-1 and MSK-2, this week and the last."""
    receipts = [
        receipt(1, when="2026-03-02T12:00:00"),
        receipt(2, when="2026-03-02T13:00:00"),
        receipt(3, operation=2, total=100000, when="2026-03-02T15:00:00"),
        receipt(
            4, "0000000000000002", when="2026-03-03T12:00:00", operator="Смирнова Анна Петровна"
        ),
        receipt(5, when="2026-02-23T12:00:00"),  # the previous week
    ]
    traffic = [
        count(visitors=40),
        count(store="MSK-2", start="2026-03-03T10:00:00+03:00", visitors=10),
        count(start="2026-02-23T10:00:00+03:00", visitors=50),
    ]
    assert not run_import("receipts", chain, read_payload(receipts)).rejected
    assert not run_import("traffic", chain, read_payload(traffic)).rejected
    return chain


SELLER_NAMES = {
    "MSK-1": "Иванова Мария Сергеевна",
    "MSK-2": "Смирнова Анна Петровна",
    "NSK-1": "Кузнецов Илья Андреевич",
}
REGISTERS = {"MSK-1": "0000000000000001", "MSK-2": "0000000000000002", "NSK-1": "0000000000000003"}


def _sale(fd: int, store: str, when: str, **extra) -> dict:
    return receipt(fd, REGISTERS[store], when=when, operator=SELLER_NAMES[store], **extra)


@pytest.fixture
def chain_sales(personas, chain):
    """Receipts and traffic in all three stores this week, the week before and a year before."""
    receipts = [
        _sale(1, "MSK-1", "2026-03-02T12:00:00"),
        _sale(2, "MSK-1", "2026-03-02T13:00:00"),
        _sale(3, "MSK-1", "2026-03-02T15:00:00", operation=2, total=100000),
        _sale(4, "MSK-2", "2026-03-03T12:00:00", total=250000),
        _sale(5, "NSK-1", "2026-03-04T12:00:00", total=120000),
        _sale(6, "MSK-1", "2026-02-23T12:00:00"),  # the previous week
        _sale(7, "MSK-2", "2025-03-03T12:00:00", total=200000),  # a year before
    ]
    traffic = [
        count(store="MSK-1", start="2026-03-02T12:00:00+03:00", visitors=40),
        count(store="MSK-2", start="2026-03-03T12:00:00+03:00", visitors=10),
        count(store="NSK-1", start="2026-03-04T12:00:00+07:00", visitors=20),
        count(store="MSK-1", start="2026-02-23T12:00:00+03:00", visitors=50),
        count(store="MSK-2", start="2025-03-03T12:00:00+03:00", visitors=8),
    ]
    assert not run_import("receipts", chain, read_payload(receipts)).rejected
    assert not run_import("traffic", chain, read_payload(traffic)).rejected
    return personas
