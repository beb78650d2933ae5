"""Imports of the chain's master data: stores (with their registers) and sellers (with the
names they are printed under in receipts). Both are upserts by code."""

from collections.abc import Callable, Iterable

from django.db import transaction

from cxm.imports import fields
from cxm.imports.records import ImportResult, Record, RecordError, run_in_batches
from cxm.org.models import Chain, Register, Seller, SellerAlias, Store
from cxm.org.services import normalize_person_name, region_named

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def import_stores(chain: Chain, records: Iterable[Record], **_: object) -> ImportResult:
    return _upsert_each("stores", records, lambda data: _upsert_store(chain, data))


def import_sellers(chain: Chain, records: Iterable[Record], **_: object) -> ImportResult:
    stores = {s.code: s for s in Store.objects.filter(chain=chain)}
    return _upsert_each("sellers", records, lambda data: _upsert_seller(chain, stores, data))


def _upsert_each(
    kind: str, records: Iterable[Record], upsert: Callable[[dict], str]
) -> ImportResult:
    """Master data is small: each record is its own transaction, so one bad row spoils nothing."""

    def handle(batch: list[Record], result: ImportResult) -> None:
        for record in batch:
            try:
                with transaction.atomic():
                    outcome = upsert(record.data)
            except RecordError as exc:
                result.reject(record.position, exc.field, exc.message)
                continue
            _count(result, outcome)

    return run_in_batches(kind, records, 500, handle)


def _count(result: ImportResult, outcome: str) -> None:
    if outcome == "created":
        result.accepted += 1
    elif outcome == "updated":
        result.updated += 1
    else:
        result.duplicates += 1


def _opening_hours(data: dict) -> dict:
    hours = fields.mapping(data, "opening_hours")
    for day, span in hours.items():
        if day not in WEEKDAYS:
            raise RecordError("opening_hours", f"unknown day {day!r}; use {', '.join(WEEKDAYS)}")
        if span is not None and not (
            isinstance(span, list) and len(span) == 2 and all(isinstance(t, str) for t in span)
        ):
            raise RecordError("opening_hours", f'{day} must be ["HH:MM", "HH:MM"] or null')
    return hours


def _upsert_store(chain: Chain, data: dict) -> str:
    values = {
        "name": fields.text(data, "name"),
        "city": fields.text(data, "city", required=False),
        "address": fields.text(data, "address", required=False, max_length=300),
        "lat": fields.number(data, "lat", low=-90, high=90),
        "lon": fields.number(data, "lon", low=-180, high=180),
        "timezone": fields.timezone(data, "timezone", "Europe/Moscow"),
        "opening_hours": _opening_hours(data),
        "review_links": fields.mapping(data, "review_links"),
    }
    code = fields.text(data, "code", max_length=40)
    region_name = fields.text(data, "region", max_length=120)
    registers = [r.strip() for r in fields.string_list(data, "registers")]
    taken = (
        Register.objects.filter(kkt_reg_id__in=registers)
        .exclude(store__chain=chain, store__code=code)
        .values_list("kkt_reg_id", "store__code", "store__chain_id")
        .first()
    )
    if taken:
        # Another chain's store code is not this chain's business (the API answers importers
        # of every chain): name it only within the chain.
        owner = f"store {taken[1]}" if taken[2] == chain.pk else "another chain"
        raise RecordError("registers", f"register {taken[0]} already belongs to {owner}")
    values["region"] = region_named(chain, region_name)
    store, created = Store.objects.get_or_create(chain=chain, code=code, defaults=values)
    changed = created or _apply(store, values)
    known = set(store.registers.values_list("kkt_reg_id", flat=True))
    new = [Register(kkt_reg_id=r, store=store) for r in registers if r not in known]
    Register.objects.bulk_create(new)
    if created:
        return "created"
    return "updated" if changed or new else "unchanged"


def _apply(instance, values: dict) -> bool:
    changed = [k for k, v in values.items() if getattr(instance, k) != v]
    for key in changed:
        setattr(instance, key, values[key])
    if changed:
        instance.save(update_fields=changed)
    return bool(changed)


def _upsert_seller(chain: Chain, stores: dict[str, Store], data: dict) -> str:
    code = fields.text(data, "code", max_length=40)
    store_code = fields.text(data, "store", max_length=40)
    if store_code not in stores:
        raise RecordError("store", f"unknown store {store_code!r}: import it with the stores first")
    name = fields.text(data, "name")
    values = {
        "name": name,
        "store": stores[store_code],
        "inn": fields.text(data, "inn", required=False, max_length=12),
    }
    aliases = {normalize_person_name(a) for a in [name, *fields.string_list(data, "aliases")]}
    clash = (
        SellerAlias.objects.filter(chain=chain, alias__in=aliases)
        .exclude(seller__code=code)
        .values_list("alias", "seller__code")
        .first()
    )
    if clash:
        raise RecordError("aliases", f"name {clash[0]!r} already belongs to seller {clash[1]}")
    seller, created = Seller.objects.get_or_create(chain=chain, code=code, defaults=values)
    changed = created or _apply(seller, values)
    known = set(seller.aliases.values_list("alias", flat=True))
    new = [SellerAlias(chain=chain, seller=seller, alias=a) for a in sorted(aliases - known)]
    SellerAlias.objects.bulk_create(new)
    if created:
        return "created"
    return "updated" if changed or new else "unchanged"
