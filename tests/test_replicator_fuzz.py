"""Property test of the replicator's reading of OFD documents: whatever JSON an OFD sends in
place of a document (any value, or a real document with fields dropped or replaced by
values of other types), each provider turns it into a receipt CXM can read or into a
rejection with a reason; it never raises, so the sync carries on. The end-to-end side of
the same property (rejections logged and listed, the rest arriving) is the seeded fuzzer of
replicator/tests/test_provider_conformance.py."""

from datetime import UTC, datetime
from importlib import import_module

from cxm_replicator.emulation import sample_receipt
from cxm_replicator.providers.base import Fetched
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PROVIDERS = ["platforma", "kontur", "ofdru"]
RECEIVED = datetime(2026, 3, 2, 9, 1, tzinfo=UTC)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["2026-03-02T12:00:00", "2026.03.02 12:00:00.000", "", "0", "-1", "1e309"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)


def valid_document(name: str, n: int):
    mapping = import_module(f"cxm_replicator.providers.{name}.mapping")
    receipt, _ = sample_receipt("0000000000000001", n, datetime(2026, 3, 2, 12))
    ids = {"platforma": 8473465535 + n, "kontur": f"guid-{n}", "ofdru": f"raw-{n}"}
    return mapping.from_receipt(receipt, RECEIVED, ids[name])


@st.composite
def damaged(draw, name: str):
    """A real document of this OFD's dialect, fields dropped or swapped for junk, at any depth."""

    def damage(value, depth=0):
        if isinstance(value, dict):
            out = {}
            for key, inner in value.items():
                roll = draw(st.integers(0, 9))
                if roll == 0:
                    continue
                out[key] = draw(json_values) if roll == 1 else damage(inner, depth + 1)
            return out
        if isinstance(value, list):
            return [damage(v, depth + 1) for v in value]
        return value

    return damage(valid_document(name, draw(st.integers(0, 50))))


def read(name: str, raw) -> Fetched | None:
    return import_module(f"cxm_replicator.providers.{name}.transport")._fetched(raw)


def check(fetched: Fetched | None) -> None:
    if fetched is None:
        return  # Контур: not a receipt (a shift report ...): skipped, as documented
    if fetched.receipt is None:
        assert fetched.error and fetched.error.strip(), "a rejection must say why"
        return
    receipt = fetched.receipt
    assert isinstance(receipt["fiscalDocumentNumber"], int)
    assert isinstance(receipt["fiscalDriveNumber"], str) and receipt["fiscalDriveNumber"]
    assert isinstance(receipt["totalSum"], int) and receipt["totalSum"] >= 0
    assert isinstance(receipt["items"], list)
    assert isinstance(receipt["dateTime"], str)
    datetime.fromisoformat(receipt["dateTime"])


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.sampled_from(PROVIDERS), json_values)
def test_any_json_in_place_of_a_document_is_read_or_rejected_with_a_reason(name, raw):
    check(read(name, raw))


@SETTINGS
@given(st.data())
def test_a_damaged_document_is_read_or_rejected_with_a_reason(data):
    name = data.draw(st.sampled_from(PROVIDERS))
    check(read(name, data.draw(damaged(name))))


def test_an_undamaged_document_is_read():
    for name in PROVIDERS:
        fetched = read(name, valid_document(name, 7))
        assert fetched is not None and fetched.receipt is not None, fetched
        check(fetched)
