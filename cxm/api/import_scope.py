"""Who may import what through the API.

Master data (stores, sellers) is the chain administrator's. Facts (receipts, traffic) may
also come from a regional or store manager, but only for their own stores: before anything
is written, every record's store is resolved exactly as the importer will resolve it, and
one record for a store outside the caller's scope refuses the whole call. Refusing the
call, rather than rejecting those records one by one, is the safer choice: a misconfigured
replicator learns at once, and nothing of a batch meant for another store is half-kept.
The refusal names positions only, never the store a register belongs to, so a manager
cannot probe the chain's register map.
"""

from collections.abc import Callable, Iterable, Iterator

from django.core.exceptions import PermissionDenied

from cxm.imports.records import Record
from cxm.org.models import Chain, Role, Store
from cxm.org.scope import Scope
from cxm.org.services import StoreDirectory
from cxm.sales.ffd import ReceiptError, iter_receipt_dicts, parse_receipt

MASTER_DATA_KINDS = frozenset({"stores", "sellers"})
# Roles that may send facts for the stores in their scope.
FACT_SENDERS = frozenset({Role.CHAIN_ADMIN, Role.REGIONAL_MANAGER, Role.STORE_MANAGER})
_MAX_NAMED = 10


def import_chain(scope: Scope) -> Chain:
    """The chain an import writes to: the caller's own."""
    if scope.chain_id is None:
        raise PermissionDenied("your user belongs to no chain: give it a membership first")
    return Chain.objects.get(pk=scope.chain_id)


def default_store_for(scope: Scope, chain: Chain, code: str | None) -> Store | None:
    if code is None:
        return None
    store = Store.objects.filter(chain=chain, code=code, pk__in=scope.store_ids).first()
    if store is None:
        raise PermissionDenied(f"store {code!r} is outside your scope or unknown")
    return store


def check_kind_allowed(kind: str, scope: Scope) -> None:
    """Raise PermissionDenied unless the caller's role may send this kind at all."""
    if scope.role == Role.CHAIN_ADMIN:
        return
    if scope.role == Role.REPLICATOR:
        if kind != "receipts":
            raise PermissionDenied(f"a replicator token sends receipts only, not {kind}")
        return
    if kind in MASTER_DATA_KINDS:
        raise PermissionDenied(f"only a chain administrator may import {kind}")
    if scope.role not in FACT_SENDERS or kind not in _STORE_RESOLVERS:
        # A kind with no store resolver here cannot be checked record by record: admins only.
        raise PermissionDenied(f"your role may not import {kind}")


def check_records_in_scope(
    kind: str,
    scope: Scope,
    chain: Chain,
    records: Callable[[], Iterable[Record]],
    default_store: Store | None,
) -> None:
    """Raise PermissionDenied if any record is for a store outside the caller's scope.
    `records` is called (one more pass over the body) only for a partial scope."""
    check_kind_allowed(kind, scope)
    if scope.role in (Role.CHAIN_ADMIN, Role.REPLICATOR):
        # The importer finds stores by register within the caller's chain only: a
        # replicator's receipt for another chain's register is rejected there, record by record.
        return
    outside = [
        position
        for position, store in _STORE_RESOLVERS[kind](chain, records(), default_store)
        if store is not None and store.pk not in scope.store_ids
    ]
    if outside:
        named = ", ".join(outside[:_MAX_NAMED]) + (" …" if len(outside) > _MAX_NAMED else "")
        raise PermissionDenied(
            f"{len(outside)} record(s) are for stores outside your scope ({named}); "
            "nothing was imported"
        )


StoreResolver = Callable[
    [Chain, Iterable[Record], Store | None], Iterator[tuple[str, Store | None]]
]


def _receipt_stores(
    chain: Chain, records: Iterable[Record], default_store: Store | None
) -> Iterator[tuple[str, Store | None]]:
    # Mirrors cxm.sales.importers: store by register, else by the store code, else default.
    stores = StoreDirectory(chain)
    for record in records:
        if record.error is not None or not isinstance(record.data, dict):
            continue  # the importer rejects it
        for number, raw in enumerate(iter_receipt_dicts(record.data), start=1):
            try:
                parsed = parse_receipt(raw)
            except ReceiptError:
                continue  # the importer rejects it too
            position = record.position if number == 1 else f"{record.position} receipt {number}"
            yield position, stores.find(parsed.kkt_reg_id, parsed.store_code) or default_store


def _store_field_stores(
    chain: Chain, records: Iterable[Record], default_store: Store | None
) -> Iterator[tuple[str, Store | None]]:
    # Mirrors cxm.traffic.importers: the record's `store` code, else the default store. The
    # stores are read only if a record names one (a device's push usually names none).
    stores: dict[str, Store] | None = None
    for record in records:
        if record.error is not None or not isinstance(record.data, dict):
            continue
        code = record.data.get("store")
        if code and stores is None:
            stores = {s.code: s for s in Store.objects.filter(chain=chain)}
        yield record.position, (stores.get(str(code)) if code and stores else default_store)


_STORE_RESOLVERS: dict[str, StoreResolver] = {
    "receipts": _receipt_stores,
    "traffic": _store_field_stores,
    "presses": _store_field_stores,
    "survey_responses": _store_field_stores,
    "consultations": _store_field_stores,
    "checklists": _store_field_stores,
    "transcripts": _store_field_stores,
    "emotions": _store_field_stores,
}
