"""What the event organizer should find in the demo, planted with known truth: unhappy
customers who wrote a complaint (some leaving a phone number to be called back), unhappy
ones who said nothing (no incident: nothing to act on), and one store whose second feedback
terminal stopped speaking three days before the end."""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

INCIDENT_STREAM = 6  # this module's own random stream of the seed
COMPLAINTS = (
    "Продавец не подошёл, ждал 15 минут",
    "Нагрубили на кассе",
    "Товар из рекламы отсутствует, а на сайте есть",
    "Консультант не знал характеристик телевизора",
    "Не приняли возврат без объяснения причин",
    "Цена на ценнике и на кассе разная",
    "Навязывали страховку и доп. гарантию",
    "Долго оформляли доставку, очередь одна касса",
)
UNHAPPY_DAYS = 2  # complaints of the last two days: fresh enough to act on (max_age_hours)
SILENT_DAYS = 3


@dataclass
class IncidentTruth:
    # Answers that must open an incident: (answer id, store code, contact or "").
    complaints: list[tuple[str, str, str]] = field(default_factory=list)
    # Detractors without comment or contact: they must not.
    mute: list[str] = field(default_factory=list)
    silent_store: str = ""
    silent_terminal: str = "Терминал у выхода"
    silent_since: datetime | None = None


def _moment(day, store: dict, rng: np.random.Generator) -> datetime:
    hours = store.get("opening_hours", {})
    span = hours.get(("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day.weekday()])
    opens, closes = (int(t[:2]) for t in span) if span else (10, 21)
    hour = int(rng.integers(opens, max(opens + 1, closes)))
    local = datetime.combine(day, time(hour, int(rng.integers(0, 60))), ZoneInfo(store["timezone"]))
    return local


def simulate_incidents(chain) -> tuple[list[dict], IncidentTruth]:
    """Survey answers of unhappy customers (contract records) and the silent terminal."""
    rng = np.random.default_rng([chain.config.seed, INCIDENT_STREAM])
    truth = IncidentTruth()
    answers = []
    for store in chain.stores:
        for n in range(int(rng.integers(0, 3))):
            day = chain.end_date - timedelta(days=int(rng.integers(0, UNHAPPY_DAYS)))
            answer_id = f"UNHAPPY-{store['code']}-{n}"
            record = {
                "id": answer_id,
                "store": store["code"],
                "at": _moment(day, store, rng).isoformat(),
                "channel": "link",
                "nps": int(rng.integers(0, 7)),
            }
            if rng.random() < 0.25:
                truth.mute.append(answer_id)
            else:
                record["comment"] = COMPLAINTS[int(rng.integers(0, len(COMPLAINTS)))]
                contact = ""
                if rng.random() < 0.5:
                    contact = f"+7 9{int(rng.integers(10, 99))} {int(rng.integers(100, 999))}-"
                    contact += f"{int(rng.integers(10, 99))}-{int(rng.integers(10, 99))}"
                    record.update(contact=contact, contact_consent=True)
                truth.complaints.append((answer_id, store["code"], contact))
            answers.append(record)
    silent = chain.stores[int(rng.integers(0, len(chain.stores)))]
    truth.silent_store = silent["code"]
    last_day = chain.end_date - timedelta(days=SILENT_DAYS)
    truth.silent_since = datetime.combine(last_day, time(15, 0), ZoneInfo(silent["timezone"]))
    return answers, truth
