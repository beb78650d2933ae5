"""Putting a simulated chain into the database through the public import contract, and the
demo's users — one per role."""

import secrets
from collections.abc import Callable, Iterable, Iterator

from django.contrib.auth import get_user_model
from django.db import transaction

from cxm.demo.simulator import SimulatedChain, SimulationConfig, simulate_chain
from cxm.feedback.demo import load_voice
from cxm.imports.records import ImportResult, Record, read_payload
from cxm.imports.registry import run_import
from cxm.incidents.demo import load_incidents
from cxm.org.models import Chain, Membership, Role, Seller, Store
from cxm.org.services import default_chain
from cxm.rollups.read_time import sum_changed_days
from cxm.speech.demo import load_speech
from cxm.staff.demo import load_staff

Progress = Callable[[str], None]


def _records(items: Iterable[dict], kind: str) -> Iterator[Record]:
    for number, item in enumerate(items, start=1):
        yield Record(f"{kind} {number}", item)


def load_simulation(
    config: SimulationConfig, chain: Chain | None = None, progress: Progress = lambda _: None
) -> tuple[Chain, SimulatedChain, dict[str, ImportResult]]:
    """Simulate a chain and import it exactly as an integrator's files would be imported."""
    chain = chain or default_chain()
    simulated = simulate_chain(config)
    results = {}
    for kind, records in (
        ("stores", read_payload(simulated.stores)),
        ("sellers", read_payload(simulated.sellers)),
        ("traffic", _records(simulated.iter_traffic(), "traffic")),
        ("receipts", _records(simulated.iter_receipts(), "receipt")),
    ):
        progress(f"importing {kind}…")
        results[kind] = run_import(kind, chain, records)
        progress(
            f"{kind}: {results[kind].accepted} accepted, {len(results[kind].rejected)} rejected"
        )
    results.update(load_voice(chain, simulated, progress))
    results.update(load_staff(chain, simulated, progress))
    results.update(load_speech(chain, simulated, progress))
    results.update(load_incidents(chain, simulated, progress))
    # What the pages' first readers would sum, summed now: every page opens at once.
    progress("summing the customer-voice and shift rollups…")
    sum_changed_days()
    return chain, simulated, results


DEMO_USERS = (
    ("director", Role.CHAIN_ADMIN),
    ("analyst", Role.ANALYST),
    ("regional", Role.REGIONAL_MANAGER),
    ("manager", Role.STORE_MANAGER),
    ("seller", Role.SELLER),
)


def create_demo_users(chain: Chain, password: str | None = None) -> tuple[str, list[str]]:
    """One user per role, scoped to the first region, store and seller; returns the password."""
    password = password or secrets.token_urlsafe(9)
    store = Store.objects.filter(chain=chain).order_by("code").first()
    seller = Seller.objects.filter(store=store).order_by("code").first()
    scope = {
        Role.REGIONAL_MANAGER: {"region": store.region},
        Role.STORE_MANAGER: {"store": store},
        Role.SELLER: {"seller": seller},
    }
    users = get_user_model().objects
    with transaction.atomic():
        for username, role in DEMO_USERS:
            user = users.create_user(
                username=username,
                password=password,
                is_staff=role == Role.CHAIN_ADMIN,
                is_superuser=role == Role.CHAIN_ADMIN,
            )
            Membership.objects.create(user=user, chain=chain, role=role, **scope.get(role, {}))
    return password, [u for u, _ in DEMO_USERS]
