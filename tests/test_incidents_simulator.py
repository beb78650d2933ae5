"""The demo's organizer against the simulator's truth: every planted complaint opens an
incident in its store, a detractor who said nothing opens none, and the one silent terminal
is found — and only it."""

from datetime import timedelta

import pytest

from cxm.demo.loading import load_simulation
from cxm.demo.simulator import SimulationConfig, simulate_chain
from cxm.demo.simulator.incidents import simulate_incidents
from cxm.incidents.models import Incident

CONFIG = SimulationConfig(stores=4, days=3, seed=7)


def test_the_planted_incidents_are_deterministic():
    first = simulate_incidents(simulate_chain(CONFIG))
    again = simulate_incidents(simulate_chain(CONFIG))
    assert first == again
    answers, truth = first
    assert truth.complaints and truth.silent_store
    assert {a["id"] for a in answers} == {c[0] for c in truth.complaints} | set(truth.mute)


@pytest.mark.django_db
def test_the_demo_finds_exactly_the_planted_complaints_and_the_silent_terminal():
    chain, simulated, results = load_simulation(CONFIG)
    assert not results["unhappy_answers"].rejected
    _answers, truth = simulate_incidents(simulated)

    complaints = Incident.objects.filter(rule__code="detractor")
    found = {(i.store.code, i.contact) for i in complaints}
    assert found == {(store, contact) for _id, store, contact in truth.complaints}
    assert complaints.count() == len(truth.complaints)
    details = set(complaints.values_list("detail", flat=True))
    assert all(d for d in details)  # each carries the customer's words

    silent = Incident.objects.filter(rule__code="silent-device")
    assert [(i.store.code, truth.silent_terminal in i.title) for i in silent] == [
        (truth.silent_store, True)
    ]
    assert silent.get().opened_at - truth.silent_since > timedelta(days=2)
