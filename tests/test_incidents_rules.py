"""The incident rules on real data: silence counted only in the store's opening hours and
its own time zone, bursts of negative presses, KPI below target, auto-close on recovery,
and the formulas under them."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from cxm.devices.models import DeviceToken
from cxm.imports.records import read_payload
from cxm.imports.registry import run_import
from cxm.incidents.models import Event, Incident, Rule
from cxm.incidents.rules import ensure_default_rules
from cxm.incidents.services import evaluate_chain
from cxm.metrics.signals import burst_end, open_seconds, rate_spike
from cxm.org.models import Store
from tests.factories import receipt

# The fakes' fixtures: an SMTP server, a Telegram Bot API, fast password hashing.
pytest_plugins = ["tests.incidents_fakes"]


NSK = ZoneInfo("Asia/Novosibirsk")
MSK = ZoneInfo("Europe/Moscow")
WEEKDAYS_10_22 = {d: ["10:00", "22:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
WEEKEND_CLOSED = {**WEEKDAYS_10_22, "sat": None, "sun": None}


def only(chain, code: str, **params) -> Rule:
    """Leave one rule enabled, with the given parameters."""
    ensure_default_rules(chain)
    Rule.objects.filter(chain=chain).exclude(code=code).update(enabled=False)
    rule = Rule.objects.get(chain=chain, code=code)
    rule.params = {**rule.params, **params}
    rule.save()
    return rule


def test_open_seconds_count_only_opening_hours_in_the_stores_zone():
    friday_evening = datetime(2026, 3, 6, 21, 0, tzinfo=NSK)
    monday_morning = datetime(2026, 3, 9, 10, 30, tzinfo=NSK)
    assert open_seconds(friday_evening, monday_morning, NSK, WEEKEND_CLOSED) == 1.5 * 3600
    # The same instants read in Moscow time give another answer: the zone matters.
    assert open_seconds(friday_evening, monday_morning, MSK, WEEKEND_CLOSED) != 1.5 * 3600
    assert (
        open_seconds(friday_evening, monday_morning, NSK, {})
        == (monday_morning - friday_evening).total_seconds()
    )
    assert open_seconds(monday_morning, friday_evening, NSK, WEEKEND_CLOSED) == 0


def test_a_burst_needs_k_events_within_the_window():
    t0 = datetime(2026, 3, 2, 12, 0, tzinfo=MSK)
    times = [t0, t0 + timedelta(minutes=50), t0 + timedelta(minutes=70)]
    assert burst_end(times, 3, timedelta(minutes=60)) is None
    assert burst_end(times, 3, timedelta(minutes=70)) == times[2]
    assert burst_end(times[:2], 2, timedelta(minutes=60)) == times[1]


def test_a_spike_is_judged_only_with_enough_cases():
    assert rate_spike(12, 30, 10, 100, 1.5, 20).is_spike  # 40 % against 10 %
    assert not rate_spike(12, 30, 30, 100, 1.5, 20).is_spike  # 40 % against 30 %
    assert not rate_spike(5, 10, 10, 100, 1.5, 20).is_spike  # too few recent cases


def test_a_terminal_silent_over_the_weekend_is_not_broken_until_the_store_works(personas, chain):
    store = Store.objects.get(code="NSK-1")
    store.opening_hours = WEEKEND_CLOSED
    store.save()
    token, _raw = DeviceToken.issue(store, "Терминал у кассы", "terminal")
    token.last_used_at = datetime(2026, 3, 6, 21, 0, tzinfo=NSK)
    token.save()
    only(chain, "silent-device", open_hours=1)

    before_opening = datetime(2026, 3, 9, 9, 30, tzinfo=NSK)  # 05:30 in Moscow
    assert evaluate_chain(chain, before_opening)["opened"] == 0
    after_opening = datetime(2026, 3, 9, 10, 30, tzinfo=NSK)
    assert evaluate_chain(chain, after_opening)["opened"] == 1
    incident = Incident.objects.get()
    assert (incident.store.code, incident.key) == ("NSK-1", f"device:terminal:{token.prefix}")
    # The regional manager of Сибирь owns it: NSK-1 has no store manager.
    assert incident.owner == personas["regional"]
    assert evaluate_chain(chain, after_opening + timedelta(hours=1))["opened"] == 0  # joins

    token.last_used_at = after_opening + timedelta(hours=2)  # the terminal speaks again
    token.save()
    assert evaluate_chain(chain, after_opening + timedelta(hours=3))["recovered"] == 1
    incident.refresh_from_db()
    assert incident.status == "resolved" and incident.closed_at is not None
    assert incident.events.filter(kind=Event.Kind.RECOVERED).exists()


def press(n: int, store: str, at: datetime, button: str = "bad") -> dict:
    return {"id": f"p-{n}", "store": store, "at": at.isoformat(), "button": button}


def test_three_bad_presses_within_an_hour_open_one_incident(personas, chain):
    only(chain, "bad-presses", count=3, minutes=60)
    t0 = datetime(2026, 3, 2, 12, 0, tzinfo=MSK)
    spread = [press(1, "MSK-1", t0), press(2, "MSK-1", t0 + timedelta(minutes=40))]
    spread.append(press(3, "MSK-1", t0 + timedelta(minutes=90), "dislike"))
    spread.append(press(4, "MSK-2", t0 + timedelta(minutes=10), "excellent"))
    run_import("presses", chain, read_payload(spread))
    assert evaluate_chain(chain, t0 + timedelta(hours=3))["opened"] == 0

    run_import("presses", chain, read_payload([press(5, "MSK-1", t0 + timedelta(minutes=95))]))
    assert evaluate_chain(chain, t0 + timedelta(hours=3))["opened"] == 1
    run_import("presses", chain, read_payload([press(6, "MSK-1", t0 + timedelta(minutes=99))]))
    assert evaluate_chain(chain, t0 + timedelta(hours=3))["joined"] == 1
    incident = Incident.objects.get()
    assert incident.store.code == "MSK-1" and incident.signals == 2


def test_conversion_below_target_opens_an_incident_per_store_and_closes_on_recovery(
    chain_sales, chain
):
    target = 0.08
    only(chain, "low-conversion", target=target, min_n=10, days=7)
    now = datetime(2026, 3, 8, 20, 0, tzinfo=MSK)
    evaluate_chain(chain, now)
    # The fixture's week: MSK-1 two sales (and a return) per 40 visitors, MSK-2 one per 10,
    # NSK-1 one per 20.
    receipts = {"MSK-1": 2, "MSK-2": 1, "NSK-1": 1}
    traffic = {"MSK-1": 40, "MSK-2": 10, "NSK-1": 20}
    expected = {s for s in receipts if receipts[s] / traffic[s] < target}
    found = set(Incident.objects.values_list("store__code", flat=True))
    assert found == expected and found  # the rule fired, and only where it should
    Rule.objects.filter(code="low-conversion").update(
        params={"metric": "conversion", "target": 0.01, "days": 7, "min_n": 10}
    )
    assert evaluate_chain(chain, now)["recovered"] == len(expected)


def test_a_burst_from_days_ago_is_history_not_an_incident(personas, chain):
    only(chain, "bad-presses", count=3, minutes=60, max_age_hours=24)
    t0 = datetime(2026, 3, 2, 12, 0, tzinfo=MSK)
    burst = [press(n, "MSK-1", t0 + timedelta(minutes=n)) for n in range(3)]
    run_import("presses", chain, read_payload(burst))
    assert evaluate_chain(chain, t0 + timedelta(days=2))["opened"] == 0


def test_a_store_without_device_tokens_is_judged_by_its_imported_events(personas, chain):
    only(chain, "silent-device", open_hours=24, kinds=["terminal"])
    Store.objects.filter(code="MSK-1").update(opening_hours=WEEKDAYS_10_22)
    last = datetime(2026, 3, 2, 12, 0, tzinfo=MSK)  # a Monday
    run_import("presses", chain, read_payload([press(1, "MSK-1", last, "good")]))
    assert evaluate_chain(chain, datetime(2026, 3, 4, 11, 0, tzinfo=MSK))["opened"] == 0  # 23 h
    assert evaluate_chain(chain, datetime(2026, 3, 4, 13, 0, tzinfo=MSK))["opened"] == 1  # 25 h
    assert Incident.objects.get().key == "device:terminal"


def _day_of_consultations(
    day: datetime, hours: list[int], sold: int, first_fd: int
) -> tuple[list[dict], list[dict]]:
    """Consultations of MSK-1-S1 at these hours of `day`; the first `sold` end in a sale."""
    consultations, receipts = [], []
    for n, hour in enumerate(hours):
        start = day.replace(hour=hour)
        consultations.append(
            {
                "id": f"c-{first_fd + n}",
                "store": "MSK-1",
                "seller": "MSK-1-S1",
                "started_at": start.isoformat(),
            }
        )
        if n < sold:
            when = (start + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%S")
            receipts.append(receipt(first_fd + n, when=when))
    return consultations, receipts


def test_a_failed_consultation_spike_opens_and_closes_itself(personas, chain):
    only(chain, "failure-spike", days=7, base_days=28, factor=1.5, min_n=20)
    consultations, receipts = [], []
    base = datetime(2026, 2, 3, tzinfo=MSK)
    for i in range(25):  # the four weeks before: one consultation a day, 1 in 5 fails
        c, r = _day_of_consultations(base + timedelta(days=i), [12], int(i % 5 != 0), 100 + i)
        consultations += c
        receipts += r
    recent = datetime(2026, 3, 2, tzinfo=MSK)
    for i in range(7):  # the last week: four a day, three of them fail
        c, r = _day_of_consultations(recent + timedelta(days=i), [11, 13, 15, 17], 1, 200 + 10 * i)
        consultations += c
        receipts += r
    assert not run_import("receipts", chain, read_payload(receipts)).rejected
    assert not run_import("consultations", chain, read_payload(consultations)).rejected

    now = datetime(2026, 3, 8, 21, 0, tzinfo=MSK)
    assert evaluate_chain(chain, now)["opened"] == 1
    incident = Incident.objects.get()
    assert incident.store.code == "MSK-1" and "75" in incident.title and "20" in incident.title
    # A stricter rule: the same week is no longer a spike, and the incident closes itself.
    only(chain, "failure-spike", factor=5)
    assert evaluate_chain(chain, now)["recovered"] == 1
