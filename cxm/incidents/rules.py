"""Rule kinds: what signal each looks for. A detector reads the chain's data and returns the
signals that fire now; state rules (KPI, silence, spike) also say which (store, key) pairs
are firing, so the incidents of the others can close themselves when the rule says so."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Max, Min
from django.utils.translation import gettext as _

from cxm.devices.models import DeviceKind, DeviceToken
from cxm.feedback.models import Button, Press, SurveyResponse
from cxm.incidents.models import Rule, RuleKind, Watermark
from cxm.metrics.periods import Period
from cxm.metrics.signals import burst_end, open_seconds, rate_spike
from cxm.org.models import Chain, Register, Role, Store
from cxm.org.scope import Scope
from cxm.replication.services import SILENCE, silent_replicators
from cxm.reports.filters import ReportFilter
from cxm.reports.registry import build_report
from cxm.staff.matching import refresh_matches
from cxm.staff.models import Consultation
from cxm.traffic.models import VisitorCount
from cxm.trust.personal import contact_key

NEGATIVE_BUTTONS = [Button.POOR, Button.BAD, Button.DISLIKE]

# code → (kind, name, params, SLA hours, auto-close): a new chain starts with these.
DEFAULT_RULES: dict[str, tuple[str, str, dict, int, bool]] = {
    "detractor": (
        RuleKind.DETRACTOR,
        "Недовольный покупатель",
        {"max_nps": 6, "max_age_hours": 72},
        24,
        False,
    ),
    "bad-presses": (
        RuleKind.PRESS_BURST,
        "Серия негативных нажатий",
        # A busy store sees a bad press now and then; five within half an hour is a pattern.
        {"count": 5, "minutes": 30, "buttons": NEGATIVE_BUTTONS, "max_age_hours": 24},
        24,
        False,
    ),
    "low-conversion": (
        RuleKind.KPI_BELOW,
        "Конверсия ниже цели",
        {"metric": "conversion", "target": 0.08, "days": 7, "min_n": 200},
        72,
        True,
    ),
    "low-nps": (
        RuleKind.KPI_BELOW,
        "NPS ниже цели",
        {"metric": "nps", "target": 0, "days": 30, "min_n": 30},
        72,
        True,
    ),
    "low-compliance": (
        RuleKind.KPI_BELOW,
        "Выполнение стандарта ниже цели",
        {"metric": "compliance", "target": 0.7, "days": 30, "min_n": 5},
        72,
        True,
    ),
    "silent-device": (
        RuleKind.DEVICE_SILENT,
        "Устройство молчит",
        # Two working days of a store open ~12 hours: a broken terminal or counter.
        {"open_hours": 24, "kinds": ["terminal", "counter", "button"]},
        48,
        True,
    ),
    "failure-spike": (
        RuleKind.FAILURE_SPIKE,
        "Всплеск сбоев продаж",
        {"days": 7, "base_days": 28, "factor": 1.5, "min_n": 20},
        72,
        True,
    ),
    "silent-replicator": (
        RuleKind.REPLICATOR_SILENT,
        "Репликатор ОФД молчит",
        # A replicator beats every minute and runs day and night: half an hour without a
        # heartbeat means receipts have stopped coming (cxm.replication.services.SILENCE).
        {"minutes": int(SILENCE.total_seconds() // 60)},
        24,
        True,
    ),
}


def rule_params(kind: str) -> set[str]:
    """The parameters a rule kind understands (those of its default rules)."""
    return {key for k, _n, params, _s, _a in DEFAULT_RULES.values() if k == kind for key in params}


def ensure_default_rules(chain: Chain) -> list[Rule]:
    """The chain's rules, creating the defaults it lacks (the admin edits them afterwards)."""
    for code, (kind, name, params, sla, auto_close) in DEFAULT_RULES.items():
        Rule.objects.get_or_create(
            chain=chain,
            code=code,
            defaults={
                "kind": kind,
                "name": name,
                "params": params,
                "sla_hours": sla,
                "auto_close": auto_close,
            },
        )
    return list(Rule.objects.filter(chain=chain))


@dataclass(frozen=True)
class Signal:
    store_id: int
    key: str
    title: str
    at: datetime
    detail: str = ""
    contact: str = ""


@dataclass
class Findings:
    signals: list[Signal] = field(default_factory=list)
    # For state rules: the (store, key) pairs firing now; None for event rules.
    firing: set[tuple[int, str]] | None = None


def chain_scope(chain: Chain) -> Scope:
    """The rules see the whole chain; what a person sees is narrowed later by their scope."""
    ids = frozenset(Store.objects.filter(chain=chain).values_list("pk", flat=True))
    return Scope(role=Role.CHAIN_ADMIN, chain_id=chain.pk, store_ids=ids)


def _advance(rule: Rule, source: str, last_id: int | None) -> int:
    mark, _created = Watermark.objects.get_or_create(rule=rule, source=source)
    previous = mark.last_id
    if last_id is not None and last_id > previous:
        mark.last_id = last_id
        mark.save(update_fields=["last_id"])
    return previous


def _oldest(rule: Rule, now: datetime) -> datetime:
    """Signals older than this are history, not something to act on today (a first run over
    months of imported answers opens nothing for last spring)."""
    return now - timedelta(hours=rule.params.get("max_age_hours", 72))


def detect_detractors(rule: Rule, now: datetime) -> Findings:
    """Detractor answers (NPS ≤ max_nps) that left a comment or a consented contact — a
    customer the store can still win back. Reads only answers new since the last run."""
    fresh = SurveyResponse.objects.filter(
        chain=rule.chain, declined=False, nps__lte=rule.params.get("max_nps", 6)
    )
    since = _advance(rule, "survey_responses", fresh.aggregate(m=Max("pk"))["m"])
    found = Findings()
    for answer in fresh.filter(pk__gt=since, at__gte=_oldest(rule, now)).order_by("pk"):
        contact = answer.contact if answer.contact_consent else ""
        if not (answer.comment.strip() or contact):
            continue
        # The same customer (by contact) complaining twice is one incident.
        # Keyed by a hash: the contact itself is kept only in the incident's contact field.
        key = f"contact:{contact_key(contact)}" if contact else f"answer:{answer.external_id}"
        title = _("Detractor answer: NPS %(nps)s") % {"nps": answer.nps}
        found.signals.append(
            Signal(answer.store_id, key, title, answer.at, answer.comment.strip(), contact)
        )
    return found


def detect_press_bursts(rule: Rule, now: datetime) -> Findings:
    """k negative presses within Δt at one store, among presses new since the last run
    (looking back Δt before them)."""
    k, window = rule.params.get("count", 3), timedelta(minutes=rule.params.get("minutes", 60))
    negative = Press.objects.filter(
        chain=rule.chain, repeat=False, button__in=rule.params.get("buttons", NEGATIVE_BUTTONS)
    )
    since = _advance(rule, "presses", negative.aggregate(m=Max("pk"))["m"])
    found = Findings()
    fresh = negative.filter(pk__gt=since, at__gte=_oldest(rule, now)).values("store_id")
    fresh = fresh.order_by()
    for row in fresh.annotate(first=Min("at"), last=Max("at")):
        times = list(
            negative.filter(
                store_id=row["store_id"], at__gte=row["first"] - window, at__lte=row["last"]
            )
            .order_by("at")
            .values_list("at", flat=True)
        )
        end = burst_end(times, k, window)
        if end is not None:
            title = _("%(k)s negative presses within %(minutes)s minutes") % {
                "k": k,
                "minutes": int(window.total_seconds() // 60),
            }
            found.signals.append(Signal(row["store_id"], "press_burst", title, end))
    return found


# metric → (report, the field that counts its n)
KPI_SOURCES = {
    "conversion": ("kpi", "traffic"),
    "nps": ("nps", "responses"),
    "compliance": ("compliance", "checklists"),
}


def _window(now: datetime, days: int) -> Period:
    end = now.date()
    return Period(end - timedelta(days=days - 1), end)


def detect_kpi_below(rule: Rule, now: datetime) -> Findings:
    metric = rule.params.get("metric", "conversion")
    report, n_field = KPI_SOURCES[metric]
    target, min_n = rule.params.get("target", 0), rule.params.get("min_n", 0)
    flt = ReportFilter(chain_scope(rule.chain), _window(now, rule.params.get("days", 7)))
    codes = dict(Store.objects.filter(chain=rule.chain).values_list("code", "pk"))
    found = Findings(firing=set())
    for row in build_report(report, flt, by="store")["rows"]:
        value, n = row.get(metric), row.get(n_field) or 0
        if value is None or n < min_n or value >= target:
            continue
        key = f"kpi:{metric}"
        found.firing.add((codes[row["store"]], key))
        title = _("%(metric)s %(value).3g below the target %(target)s (n = %(n)s)") % {
            "metric": metric,
            "value": value,
            "target": target,
            "n": n,
        }
        found.signals.append(Signal(codes[row["store"]], key, title, now))
    return found


@dataclass(frozen=True)
class Device:
    store_id: int
    key: str
    name: str
    last_heard: datetime


EVENT_SOURCES = {
    DeviceKind.FEEDBACK_TERMINAL: (Press, "at"),
    DeviceKind.VISITOR_COUNTER: (VisitorCount, "start"),
    DeviceKind.CONSULTATION_BUTTON: (Consultation, "started_at"),
}


def devices_of(chain: Chain, kind: str) -> list[Device]:
    """Each device of this kind and when it last spoke: a device with a token by its token's
    last use (one of two terminals may break while the other works); a store that sends by
    import only, by its latest event of that kind. A token never used was never installed."""
    found, with_tokens = [], set()
    tokens = DeviceToken.objects.filter(store__chain=chain, kind=kind, revoked_at__isnull=True)
    for token in tokens:
        with_tokens.add(token.store_id)
        if token.last_used_at is not None:
            key = f"device:{kind}:{token.prefix}"
            found.append(Device(token.store_id, key, token.name, token.last_used_at))
    model, time_field = EVENT_SOURCES[kind]
    latest = (
        model.objects.filter(store__chain=chain)
        .exclude(store_id__in=with_tokens)
        .values("store_id")
        .annotate(last=Max(time_field))
        .order_by()
    )
    label = str(DeviceKind(kind).label)
    found += [Device(r["store_id"], f"device:{kind}", label, r["last"]) for r in latest]
    return found


def detect_silent_devices(rule: Rule, now: datetime) -> Findings:
    """A device silent for longer than `open_hours` of the store's opening hours, in its own
    time zone: a night or a day off does not count as silence."""
    limit = rule.params.get("open_hours", 24) * 3600
    stores = {s.pk: s for s in Store.objects.filter(chain=rule.chain)}
    found = Findings(firing=set())
    for kind in rule.params.get("kinds", [k.value for k in DeviceKind]):
        for device in devices_of(rule.chain, kind):
            store = stores[device.store_id]
            silent = open_seconds(device.last_heard, now, store.tz, store.opening_hours)
            if silent <= limit:
                continue
            found.firing.add((device.store_id, device.key))
            title = _("%(device)s silent for %(hours)d working hours") % {
                "device": device.name,
                "hours": silent // 3600,
            }
            found.signals.append(Signal(device.store_id, device.key, title, now))
    return found


def detect_silent_replicators(rule: Rule, now: datetime) -> Findings:
    """An on-premises OFD replicator whose last heartbeat is older than `minutes`: receipts
    stopped coming from the registers it syncs. Wall-clock silence (it runs round the
    clock, whatever the stores' hours); the incident goes to the first of its stores, by
    code (the chain's first store if it has reported no register of ours yet)."""
    minutes = rule.params.get("minutes", int(SILENCE.total_seconds() // 60))
    silent = silent_replicators(now, timedelta(minutes=minutes)).filter(chain=rule.chain)
    found = Findings(firing=set())
    if not silent:
        return found
    store_of = dict(
        Register.objects.filter(store__chain=rule.chain)
        .order_by("store__code")
        .values_list("kkt_reg_id", "store_id")
    )
    codes = dict(Store.objects.filter(chain=rule.chain).values_list("pk", "code"))
    for replicator in silent:
        stores = (
            sorted(
                {
                    store_of[r["kkt_reg_id"]]
                    for r in replicator.registers
                    if r["kkt_reg_id"] in store_of
                },
                key=codes.__getitem__,
            )
            or sorted(codes, key=codes.__getitem__)[:1]
        )
        if not stores:
            continue  # a chain without stores has nowhere to put an incident
        key = f"replicator:{replicator.instance}"
        found.firing.add((stores[0], key))
        title = _("OFD replicator %(name)s silent for %(minutes)d min") % {
            "name": replicator.reported_by,
            "minutes": (now - replicator.last_heartbeat).total_seconds() // 60,
        }
        detail = _(
            "Last heartbeat %(at)s, version %(version)s, provider %(provider)s; "
            "stores it syncs: %(stores)s"
        ) % {
            "at": replicator.last_heartbeat.isoformat(timespec="minutes"),
            "version": replicator.version,
            "provider": replicator.provider,
            "stores": ", ".join(codes[s] for s in stores),
        }
        found.signals.append(Signal(stores[0], key, title, now, detail))
    return found


def _failure_counts(chain: Chain, start: date, end: date) -> dict[int, tuple[int, int]]:
    # The outcomes are the matching's, kept per store-day: brought up to date first (an
    # import leaves its store-days to the worker and to readers like this one).
    refresh_matches(
        list(Store.objects.filter(chain=chain).values_list("pk", flat=True)), start, end
    )
    rows = (
        Consultation.objects.filter(chain=chain, day__range=(start, end), converted__isnull=False)
        .values_list("store_id", "converted")
        .order_by()
    )
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for store_id, converted in rows.iterator():
        counts[store_id][0] += not converted
        counts[store_id][1] += 1
    return {k: (v[0], v[1]) for k, v in counts.items()}


def detect_failure_spike(rule: Rule, now: datetime) -> Findings:
    """The share of failed consultations (сбой продаж) of the last `days` against the
    `base_days` before them, per store."""
    days, base_days = rule.params.get("days", 7), rule.params.get("base_days", 28)
    end = now.date()
    start = end - timedelta(days=days - 1)
    base_start = start - timedelta(days=base_days)
    recent = _failure_counts(rule.chain, start, end)
    base = _failure_counts(rule.chain, base_start, start - timedelta(days=1))
    found = Findings(firing=set())
    for store_id, (hits, n) in recent.items():
        spike = rate_spike(
            hits,
            n,
            *base.get(store_id, (0, 0)),
            rule.params.get("factor", 1.5),
            rule.params.get("min_n", 20),
        )
        if not spike.is_spike:
            continue
        found.firing.add((store_id, "failure_spike"))
        title = _("Failed consultations %(rate).0f%% against %(base).0f%% before") % {
            "rate": 100 * spike.rate,
            "base": 100 * spike.base_rate,
        }
        found.signals.append(Signal(store_id, "failure_spike", title, now))
    return found


DETECTORS: dict[str, Callable[[Rule, datetime], Findings]] = {
    RuleKind.DETRACTOR: detect_detractors,
    RuleKind.PRESS_BURST: detect_press_bursts,
    RuleKind.KPI_BELOW: detect_kpi_below,
    RuleKind.DEVICE_SILENT: detect_silent_devices,
    RuleKind.FAILURE_SPIKE: detect_failure_spike,
    RuleKind.REPLICATOR_SILENT: detect_silent_replicators,
}
