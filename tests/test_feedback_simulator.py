"""The simulated customer voice against its ground truth: imported through the contract, the
reports give back the planted counts, ИЭЛ and driver, and the NPS interval covers the true
NPS about 95 % of the time; the receipt segments' ИЭЛ and conversion give back the presses and
sales each simulated receipt really had."""

from datetime import timedelta

import numpy as np
import pytest

from cxm.demo.simulator import SimulationConfig, simulate_chain
from cxm.demo.simulator.feedback import DRIVER, recommend_scores, simulate_voice, true_nps
from cxm.demo.simulator.staff import StaffSimulation
from cxm.feedback.demo import load_voice
from cxm.feedback.models import NEGATIVE_BUTTONS, POSITIVE_BUTTONS
from cxm.feedback.segments import CUTS, receipt_segments
from cxm.imports.records import read_payload
from cxm.imports.registry import run_import
from cxm.metrics.nps import NpsCounts, adjusted_wald_interval, count_scores
from cxm.metrics.periods import Period
from cxm.org.cli import operator_scope
from cxm.org.services import default_chain
from cxm.reports.filters import ReportFilter
from cxm.reports.registry import build_report
from cxm.sales.models import Receipt

CONFIG = SimulationConfig(stores=3, sellers_per_store=3, days=14, seed=11)


@pytest.fixture(scope="module")
def voice():
    return simulate_voice(simulate_chain(CONFIG))


def test_the_voice_is_deterministic_from_the_seed(voice):
    again, _ = simulate_voice(simulate_chain(CONFIG))
    assert again == voice[0]
    assert voice[0]["presses"] and voice[0]["survey_responses"]


def test_reports_recover_the_simulated_truth(db):
    # The chain through the contract, then its customer voice — nothing of other capabilities'
    # demos (which plant answers of their own).
    chain, simulated = default_chain(), simulate_chain(CONFIG)
    for kind, items in (
        ("stores", simulated.stores),
        ("sellers", simulated.sellers),
        ("receipts", simulated.iter_receipts()),
    ):
        assert not run_import(kind, chain, read_payload(list(items))).rejected
    results = load_voice(chain, simulated, progress=lambda _: None)
    assert not results["presses"].rejected and not results["survey_responses"].rejected
    records, truth = simulate_voice(simulated)
    # Answers come up to three hours after the sale: the last evening's fall on the next day.
    period = Period(simulated.start_date, simulated.end_date + timedelta(days=1))
    flt = ReportFilter(operator_scope(chain), period)
    nps = {row["store"]: row for row in build_report("nps", flt, by="store")["rows"]}
    iel = {row["store"]: row for row in build_report("iel", flt, by="store")["rows"]}
    for store in truth.store_nps:
        assert nps[store]["responses"] == truth.responses[store]
        assert nps[store]["declined"] == truth.declined[store]
        assert iel[store]["receipts"] == truth.receipts[store]
        assert iel[store]["iel"] == pytest.approx(truth.iel(store))
    chain_verdict = build_report("nps", flt)["verdict"]
    assert chain_verdict["selective_sellers"] == [truth.selective_seller]
    assert "selective_surveying" in chain_verdict["reasons"] and not chain_verdict["trusted"]
    # A store's answers, tied to receipts, are spread over the day like its receipts.
    assert "hours_unlike_receipts" not in chain_verdict["reasons"]
    reviews = build_report("reviews", flt)["total"]
    assert reviews["invitations"] == sum(truth.responses.values()) + sum(truth.declined.values())
    assert reviews["clicks"] == len(truth.clicks)
    assert reviews["promoter_click_rate"] > 3 * reviews["click_rate"] / 2
    reasons = build_report("iel", flt)["negative_reasons"]
    answered = [p for p in records["presses"] if "reason" in p and p["id"].count("-") == 2]
    assert sum(reasons.values()) == len(answered) and max(reasons, key=reasons.get) == "wait"
    factors = build_report("csi", flt)["rows"]
    heaviest = max(factors, key=lambda f: f["weight"])
    assert heaviest["factor"] == DRIVER


def test_segments_give_back_each_receipts_presses_and_sales(db):
    """Truth per receipt from the simulator: a counted press's id names the receipt it follows
    (`P-fn-fd`), a converted consultation the moment of its seller's sale. The report ties
    presses by time and till and consultations by the failure matching; per segment both must
    give back the truth (a press at a till busy within its half minute may go to the next
    customer's receipt, a consultation to a neighbouring sale: a point or two of slack)."""
    chain, simulated = default_chain(), simulate_chain(CONFIG)
    staff = StaffSimulation(simulated)
    for kind, items in (
        ("stores", simulated.stores),
        ("sellers", simulated.sellers),
        ("receipts", simulated.iter_receipts()),
        ("consultations", staff.iter_consultations()),
    ):
        assert not run_import(kind, chain, read_payload(list(items))).rejected
    load_voice(chain, simulated, progress=lambda _: None)
    records, _ = simulate_voice(simulated)
    period = Period(simulated.start_date, simulated.end_date)
    flt = ReportFilter(operator_scope(chain), period)
    report = build_report("segments", flt)

    pk = {
        (fn, fd): p
        for p, fn, fd in Receipt.objects.values_list(
            "pk", "fiscal_drive_number", "fiscal_document_number"
        )
    }
    seller_of = {alias: s["code"] for s in simulated.sellers for alias in s["aliases"]}
    sale_of = {
        (seller_of.get(r["operator"]), r["dateTime"]): (
            r["fiscalDriveNumber"],
            r["fiscalDocumentNumber"],
        )
        for r in simulated.iter_receipts()
        if r["operationType"] == 1
    }
    segments = receipt_segments(flt).set_index("receipt")
    truth = segments.assign(positive=0, negative=0, converted=0)
    counted = [p for p in records["presses"] if p["id"].count("-") == 2]  # floods: "-1", "-2"
    for press in counted:
        _, fn, fd = press["id"].split("-")
        receipt = pk[(fn, int(fd))]
        if receipt in truth.index and press["button"] in POSITIVE_BUTTONS:
            truth.loc[receipt, "positive"] += 1
        elif receipt in truth.index and press["button"] in NEGATIVE_BUTTONS:
            truth.loc[receipt, "negative"] += 1
    consultations = list(staff.iter_consultations())
    seller_of_consultation = {c["id"]: c["seller"] for c in consultations}
    for cid, moment in staff.truth().sale.items():
        receipt = pk[sale_of[(seller_of_consultation[cid], moment)]]
        if receipt in truth.index:
            truth.loc[receipt, "converted"] += 1

    presses = len([p for p in counted if p["button"] in POSITIVE_BUTTONS | NEGATIVE_BUTTONS])
    assert report["presses"] == report["presses_tied"] == presses  # each follows a sale
    assert report["consultations"] == len(consultations)
    rows = {(row["cut"], row["segment"]): row for row in report["rows"]}
    assert {cut for cut, _ in rows} == set(CUTS)
    for cut in CUTS:
        mistied = 0
        for segment, part in truth.groupby(cut):
            row = rows[(cut, segment)]
            mistied += abs(row["positive"] - part["positive"].sum())
            mistied += abs(row["negative"] - part["negative"].sum())
            if len(part) >= 300:  # a press is 1/3 point here: a few go to a neighbour's receipt
                true_iel = 100 * (part["positive"].sum() - part["negative"].sum()) / len(part)
                assert row["iel"] == pytest.approx(true_iel, abs=1.5), (cut, segment)
            true_conversion = part["converted"].sum() / len(consultations)
            assert row["conversion"] == pytest.approx(true_conversion, abs=0.01), (cut, segment)
        assert mistied / 2 <= 0.03 * presses, cut  # each mis-tied press is off in two segments


def test_the_interval_covers_the_true_store_nps_93_to_97_percent_of_1000_samples():
    rng = np.random.default_rng(3)
    mood = 0.2
    target = true_nps(mood)
    covered = 0
    for _ in range(1000):
        scores = recommend_scores(rng.normal(mood, 1.0, size=120), rng)
        interval = adjusted_wald_interval(count_scores(scores.tolist()))
        covered += interval.low <= target <= interval.high
    assert 930 <= covered <= 970


def test_the_true_nps_formula_matches_a_large_sample():
    rng = np.random.default_rng(4)
    counts = count_scores(recommend_scores(rng.normal(-0.3, 1.0, size=200_000), rng).tolist())
    sample = 100 * (counts.promoters - counts.detractors) / counts.respondents
    assert sample == pytest.approx(true_nps(-0.3), abs=0.5)
    assert isinstance(counts, NpsCounts)
