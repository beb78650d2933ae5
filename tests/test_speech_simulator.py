"""The simulated speech and emotions against their ground truth: imported through the
contract, tied to consultations and receipts, the reports give back each seller's planted
offer behaviour (half the transcripts with speaker turns, where the customer's words would
mislead a turn-blind reading), the leave reasons per product category and the
Smile-Index."""

from collections import Counter, defaultdict
from datetime import date, timedelta

import numpy as np
import pytest

from cxm.demo.simulator import SimulationConfig, simulate_chain
from cxm.demo.simulator.speech import SpeechSimulation
from cxm.imports.records import read_payload
from cxm.imports.registry import run_import
from cxm.metrics.periods import Period
from cxm.org.cli import operator_scope
from cxm.org.services import default_chain
from cxm.reports.filters import ReportFilter
from cxm.reports.registry import build_report
from cxm.speech.demo import load_speech
from cxm.speech.models import Transcript
from cxm.staff.demo import load_staff

CONFIG = SimulationConfig(stores=2, sellers_per_store=4, days=10, seed=5, end_date=date(2026, 3, 1))


@pytest.fixture
def loaded(db):
    chain = default_chain()
    simulated = simulate_chain(CONFIG)
    for kind, items in (
        ("stores", simulated.stores),
        ("sellers", simulated.sellers),
        ("receipts", simulated.iter_receipts()),
    ):
        assert not run_import(kind, chain, read_payload(list(items))).rejected
    load_staff(chain, simulated)
    simulation = SpeechSimulation(simulated, transcribed=0.4, observed=0.3)
    results = load_speech(chain, simulated, simulation=simulation)
    period = Period(simulated.start_date, simulated.end_date + timedelta(days=1))
    return chain, simulation, results, ReportFilter(operator_scope(chain), period)


def test_the_simulation_is_deterministic_from_the_seed():
    a = list(SpeechSimulation(simulate_chain(CONFIG), transcribed=0.2).iter_records())
    b = list(SpeechSimulation(simulate_chain(CONFIG), transcribed=0.2).iter_records())
    assert a == b and any(kind == "transcripts" for kind, _ in a)


def test_each_sellers_planted_offers_are_recovered(loaded):
    chain, simulation, results, flt = loaded
    assert not results["transcripts"].rejected and not results["emotions"].rejected
    truth = simulation.truth
    rows = {r["seller"]: r for r in build_report("speech", flt, by="seller")["rows"]}
    # Each transcript is tied to its consultation, and to the receipt the failure matching
    # found for that consultation (which agrees with the planted outcome nearly always).
    failed = simulation.staff.truth().failed
    agree = 0
    transcripts = Transcript.objects.values_list(
        "code", "consultation__code", "receipt_id", "consultation__receipt_id"
    )
    for code, consultation, receipt, consultation_receipt in transcripts:
        assert consultation == code.removeprefix("T-")
        assert receipt == consultation_receipt
        agree += (receipt is None) == failed[consultation]
    assert agree >= 0.95 * len(transcripts)
    # Each seller's offers: the rate heard equals the rate made within a few points, and the
    # sellers rank as their planted habits do.
    checked = [s for s in rows if rows[s]["offers_expected"] >= 15]
    assert len(checked) >= 4
    for seller in checked:
        realised = (
            sum(
                truth.offered[c]
                for c in Transcript.objects.filter(
                    seller__code=seller, receipt__isnull=False
                ).values_list("code", flat=True)
            )
            / rows[seller]["offers_expected"]
        )
        assert rows[seller]["cross_sell_offer_rate"] == pytest.approx(realised, abs=0.05)
    measured = [rows[s]["cross_sell_offer_rate"] for s in checked]
    planted = [truth.habits[s].offer_p for s in checked]
    assert np.corrcoef(measured, planted)[0, 1] > 0.6


def test_each_sellers_engaging_openings_are_counted_exactly(loaded):
    _, simulation, _, flt = loaded
    rows = build_report("speech", flt, by="seller")["rows"]
    opened = Counter()
    for code, seller in Transcript.objects.values_list("code", "seller__code"):
        opened[seller] += simulation.truth.opened[code]
    for row in rows:
        assert round(row["engagement_opening_rate"] * row["transcripts"]) == opened[row["seller"]]


def test_leave_reasons_are_the_planted_ones(loaded):
    chain, simulation, _, flt = loaded
    report = build_report("leave-reasons", flt, by="store")
    heard = {r["reason"]: r["mentions"] for r in report["reasons"]}
    failed_codes = set(Transcript.objects.filter(failed=True).values_list("code", flat=True))
    planted = Counter(r for code, r in simulation.truth.reason.items() if code in failed_codes)
    assert heard == dict(planted)
    assert all(r["examples"] for r in report["reasons"])
    # Per product category too, and per store and category.
    truth = simulation.truth
    by_category = {(r["category"], r["reason"]): r["mentions"] for r in report["categories"]}
    planted_by_category = Counter(
        (truth.product[code], reason)
        for code, reason in truth.reason.items()
        if code in failed_codes
    )
    assert by_category == dict(planted_by_category)
    stores = dict(Transcript.objects.values_list("code", "store__code"))
    planted_rows = Counter(
        (stores[code], truth.product[code], reason)
        for code, reason in truth.reason.items()
        if code in failed_codes
    )
    assert {(r["store"], r["category"], r["reason"]): r["mentions"] for r in report["rows"]} == (
        dict(planted_rows)
    )
    # The planted leaning: price complaints gather on TVs and laptops.
    price = {c: n for (c, r), n in by_category.items() if r == "price"}
    assert price.get("Телевизоры", 0) + price.get("Ноутбуки", 0) > sum(price.values()) / 2
    # The trend adds up to the same.
    assert sum(r["mentions"] for r in report["trend"]["rows"]) == sum(heard.values())


def test_speaker_turns_keep_the_customers_words_out_of_the_sellers_figures(loaded):
    _, simulation, _, _ = loaded
    truth = simulation.truth
    turned = Transcript.objects.filter(code__in=truth.turned).exclude(turns=[])
    assert turned.count() >= 0.3 * Transcript.objects.count()
    for row in turned.filter(receipt__isnull=False).values("code", "wrong_form", "promo"):
        # A customer's «чехол мне не нужен» is not the seller's wrong form.
        assert row["wrong_form"] == truth.wrong_form[row["code"]], row
    for code, product in Transcript.objects.values_list("code", "product"):
        assert product == truth.product[code]


def test_the_smile_index_recovers_each_sellers_smile(loaded):
    _, simulation, _, flt = loaded
    by_seller = {r["seller"]: r for r in build_report("emotions", flt, by="seller")["rows"]}
    truth = defaultdict(list)
    for seller, smiled in simulation.truth.smiled.values():
        truth[seller].append(smiled)
    assert truth
    for seller, smiles in truth.items():
        assert by_seller[seller]["seller_observations"] == len(smiles)
        assert by_seller[seller]["smile_index"] == pytest.approx(sum(smiles) / len(smiles))


def test_offer_rate_and_smile_index_are_series_of_the_correlation_workbench(loaded):
    from cxm.analytics.series import series_frame

    _, _, _, flt = loaded
    names = ["cross_sell_offer_rate", "engagement_opening_rate", "smile_index", "conversion"]
    frame = series_frame(flt, names, "seller-month")
    assert len(frame) >= 8
    assert frame["smile_index"].notna().sum() >= 8
    assert frame["cross_sell_offer_rate"].notna().sum() >= 8
