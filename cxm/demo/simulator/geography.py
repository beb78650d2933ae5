"""Where the simulated stores are: real Russian cities with their regions, time zones and
centre coordinates, real street names, and the store contract records built from them."""

from dataclasses import dataclass

import numpy as np

BRAND = "ТехноМир"


@dataclass(frozen=True)
class City:
    prefix: str  # store code prefix
    name: str
    region: str  # the chain's sales region (macro-region), as managers name it
    timezone: str
    lat: float
    lon: float
    slug: str  # for review-platform URLs
    streets: tuple[str, ...]


# fmt: off
CITIES: tuple[City, ...] = (
    City("MSK", "Москва", "Центр", "Europe/Moscow", 55.7558, 37.6173, "moscow",
         ("ул. Тверская", "Ленинградский просп.", "ул. Профсоюзная", "Кутузовский просп.",
          "ул. Новый Арбат", "Варшавское ш.", "просп. Мира", "ул. Большая Семёновская",
          "Каширское ш.", "ул. Маросейка")),
    City("SPB", "Санкт-Петербург", "Северо-Запад", "Europe/Moscow", 59.9343, 30.3351,
         "spb", ("Невский просп.", "Московский просп.", "ул. Савушкина", "Лиговский просп.",
                 "пр. Просвещения", "ул. Марата")),
    City("EKB", "Екатеринбург", "Урал", "Asia/Yekaterinburg", 56.8389, 60.6057,
         "ekaterinburg", ("ул. Вайнера", "ул. Малышева", "просп. Ленина", "ул. 8 Марта",
                          "ул. Металлургов")),
    City("NSK", "Новосибирск", "Сибирь", "Asia/Novosibirsk", 55.0084, 82.9357,
         "novosibirsk", ("Красный просп.", "ул. Ватутина", "ул. Гоголя", "ул. Фрунзе")),
    City("KZN", "Казань", "Поволжье", "Europe/Moscow", 55.7963, 49.1088, "kazan",
         ("ул. Баумана", "просп. Победы", "ул. Пушкина", "ул. Чистопольская")),
    City("KRD", "Краснодар", "Юг", "Europe/Moscow", 45.0355, 38.9753, "krasnodar",
         ("ул. Красная", "ул. Северная", "ул. Уральская", "ул. Ставропольская")),
    City("SMR", "Самара", "Поволжье", "Europe/Samara", 53.1959, 50.1002, "samara",
         ("ул. Ленинградская", "Московское ш.", "ул. Куйбышева", "ул. Ново-Садовая")),
    City("VVO", "Владивосток", "Дальний Восток", "Asia/Vladivostok", 43.1155, 131.8855,
         "vladivostok", ("ул. Светланская", "Океанский просп.", "ул. Алеутская",
                         "ул. Русская")),
    City("NNV", "Нижний Новгород", "Поволжье", "Europe/Moscow", 56.2965, 43.9361,
         "n_novgorod", ("ул. Большая Покровская", "ул. Родионова", "просп. Гагарина")),
    City("ROV", "Ростов-на-Дону", "Юг", "Europe/Moscow", 47.2357, 39.7015, "rostov",
         ("ул. Большая Садовая", "просп. Будённовский", "ул. Пушкинская")),
    City("KJA", "Красноярск", "Сибирь", "Asia/Krasnoyarsk", 56.0153, 92.8932, "krasnoyarsk",
         ("ул. Мира", "просп. Мира", "ул. Карла Маркса", "ул. Партизана Железняка")),
    City("PRM", "Пермь", "Урал", "Asia/Yekaterinburg", 58.0105, 56.2502, "perm",
         ("ул. Ленина", "Комсомольский просп.", "ул. Революции")),
)

# The order stores are opened in: the capital gets most, the first dozen span five time
# zones, and larger chains repeat the pattern.
_OPENING_ORDER = (
    "MSK", "SPB", "EKB", "NSK", "KZN", "MSK", "KRD", "SMR", "VVO", "SPB", "MSK", "NNV",
    "ROV", "EKB", "KJA", "MSK", "PRM", "KZN", "SPB", "NSK",
)
# fmt: on
_BY_PREFIX = {c.prefix: c for c in CITIES}

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Opening-hour formats: (weekday open, weekday close, weekend open, weekend close), hours.
_HOURS = ((10, 22, 10, 22), (9, 21, 10, 20), (10, 21, 10, 21), (9, 22, 10, 22))


@dataclass(frozen=True)
class StoreSite:
    """A store as the simulator needs it: the contract record plus numeric opening hours."""

    record: dict
    hours: tuple[tuple[int, int], ...]  # (open hour, close hour) by weekday, Monday first


def _digits(rng: np.random.Generator, n: int) -> str:
    return "".join(str(d) for d in rng.integers(0, 10, size=n))


def _unique_digits(rng: np.random.Generator, prefix: str, n: int, taken: set[str]) -> str:
    while True:
        value = prefix + _digits(rng, n - len(prefix))
        if value not in taken:
            taken.add(value)
            return value


def build_stores(count: int, rng: np.random.Generator) -> list[StoreSite]:
    """`count` stores in the opening order above, with addresses, coordinates near the city
    centre, 1–2 registers each and review links."""
    sites: list[StoreSite] = []
    per_city: dict[str, int] = {}
    names: set[str] = set()
    registers: set[str] = set()
    for index in range(count):
        city = _BY_PREFIX[_OPENING_ORDER[index % len(_OPENING_ORDER)]]
        number = per_city[city.prefix] = per_city.get(city.prefix, 0) + 1
        street = city.streets[(number - 1) % len(city.streets)]
        house = int(rng.integers(1, 120))
        short = street.replace("ул. ", "").replace("просп. ", "").replace("пр. ", "")
        name = f"{BRAND} {city.name}, {short}"
        if name in names:  # a second store on the same street
            name = f"{name} {number}"
        names.add(name)
        hours = _HOURS[int(rng.integers(0, len(_HOURS)))]
        by_day = tuple((hours[0], hours[1]) if d < 5 else (hours[2], hours[3]) for d in range(7))
        n_registers = 1 if rng.random() < 0.4 else 2
        org_id = int(rng.integers(1_000_000_000, 9_999_999_999))
        record = {
            "code": f"{city.prefix}-{number:02d}",
            "name": name,
            "region": city.region,
            "city": city.name,
            "address": f"г. {city.name}, {street}, д. {house}",
            "lat": round(city.lat + float(rng.normal(0, 0.03)), 6),
            "lon": round(city.lon + float(rng.normal(0, 0.05)), 6),
            "timezone": city.timezone,
            "registers": [_unique_digits(rng, "000", 16, registers) for _ in range(n_registers)],
            "opening_hours": {
                day: [f"{o:02d}:00", f"{c:02d}:00"]
                for day, (o, c) in zip(WEEKDAYS, by_day, strict=True)
            },
            "review_links": {
                "yandex": f"https://yandex.ru/maps/org/tekhnomir/{org_id}/reviews/",
                "2gis": f"https://2gis.ru/{city.slug}/firm/70000001{org_id % 10**9:09d}",
                "google": f"https://www.google.com/maps/place/?q=place_id:ChIJ{org_id:x}TM",
            },
        }
        sites.append(StoreSite(record, by_day))
    return sites
