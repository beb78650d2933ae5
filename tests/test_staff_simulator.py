"""The staff simulator: deterministic, consistent with the simulated receipts, and with the
planted link between keeping the standard and converting consultations. No database."""

from collections import defaultdict
from datetime import date
from itertools import islice

import pandas as pd
import pytest
from scipy import stats

from cxm.demo.simulator import SimulationConfig, simulate_chain
from cxm.demo.simulator.staff import STANDARD_ITEMS, TYPICAL_ERRORS, StaffSimulation
from cxm.metrics.compliance import ItemSpec, score_checklist

CONFIG = SimulationConfig(stores=5, days=45, seed=3, end_date=date(2026, 3, 1))
SPECS = [ItemSpec(**{k: v for k, v in item.items() if k != "text"}) for item in STANDARD_ITEMS]


@pytest.fixture(scope="module")
def staff():
    simulation = StaffSimulation(simulate_chain(CONFIG))
    days = list(simulation.iter_days())
    return simulation, days


def test_the_same_seed_gives_the_same_consultations():
    a = StaffSimulation(simulate_chain(CONFIG)).iter_consultations()
    b = StaffSimulation(simulate_chain(CONFIG)).iter_consultations()
    assert list(islice(a, 500)) == list(islice(b, 500))


def test_consultations_are_sequential_per_seller_and_never_a_double_press(staff):
    _, days = staff
    starts = defaultdict(list)
    for day in days:
        for c in day.consultations:
            starts[c["seller"]].append(pd.Timestamp(c["started_at"]))
            assert pd.Timestamp(c["ended_at"]) >= pd.Timestamp(c["started_at"])
    for times in starts.values():
        gaps = pd.Series(sorted(times)).diff().dropna()
        assert gaps.min() >= pd.Timedelta(seconds=60)


def test_compliance_drives_consultation_conversion_as_planted(staff):
    simulation, days = staff
    failed, total = defaultdict(int), defaultdict(int)
    for day in days:
        for c in day.consultations:
            total[c["seller"]] += 1
            failed[c["seller"]] += day.failed[c["id"]]
    earned, possible = defaultdict(float), defaultdict(float)
    for day in days:
        for checklist in day.checklists:
            score = score_checklist(SPECS, checklist["answers"])
            earned[checklist["seller"]] += score.earned
            possible[checklist["seller"]] += score.possible
    sellers = [s for s in total if possible[s] > 0]
    conversion = [1 - failed[s] / total[s] for s in sellers]
    compliance = [earned[s] / possible[s] for s in sellers]
    rho, p = stats.spearmanr(compliance, conversion)
    assert rho > 0.5 and p < 0.01, (rho, p)
    # and the hidden level itself sets the conversion closely
    levels = [simulation.levels[s] for s in sellers]
    assert stats.spearmanr(levels, conversion)[0] > 0.8


def test_recorded_failures_skip_the_typical_steps(staff):
    _, days = staff
    skipped = {True: defaultdict(list), False: defaultdict(list)}
    for day in days:
        for checklist in day.checklists:
            if "consultation" in checklist:
                failed = day.failed[checklist["consultation"]]
                for item, answer in checklist["answers"].items():
                    if answer != "na":
                        skipped[failed][item].append(answer == "no")
    gap = {
        item: sum(skipped[True][item]) / len(skipped[True][item])
        - sum(skipped[False][item]) / len(skipped[False][item])
        for item in skipped[True]
    }
    assert set(sorted(gap, key=gap.get)[-2:]) == set(TYPICAL_ERRORS)
