"""Sellers: Russian full names with correct gender forms, the ways receipts print them, tax
numbers with valid check digits, and each seller's hidden skill."""

from dataclasses import dataclass

import numpy as np

SELF_CHECKOUT = "Касса самообслуживания"
CHAIN_NAME = 'ООО "ТехноМир"'

# fmt: off
_SURNAMES = (  # masculine forms; feminine ones are derived
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
    "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров",
    "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин",
    "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв",
    "Сергеев", "Кузьмин", "Фролов", "Александров", "Дмитриев", "Королёв", "Гусев", "Киселёв",
    "Ильин", "Максимов", "Поляков", "Сорокин", "Виноградов", "Ковалёв", "Белов", "Медведев",
    "Антонов", "Тарасов", "Жуков", "Баранов", "Филиппов", "Комаров", "Давыдов", "Беляев",
    "Герасимов", "Богданов", "Осипов", "Сидоров", "Матвеев", "Титов", "Марков", "Миронов",
    "Крылов", "Куликов", "Карпов", "Власов", "Мельников", "Денисов", "Гаврилов", "Тихонов",
    "Казаков", "Афанасьев", "Данилов", "Савельев", "Тимофеев", "Фомин", "Чернов", "Абрамов",
    "Островский", "Успенский", "Вишневский", "Зуев", "Калинин", "Лазарев", "Шестаков", "Ершов",
)
_MALE_NAMES = (
    "Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Артём", "Илья",
    "Кирилл", "Михаил", "Никита", "Матвей", "Роман", "Егор", "Арсений", "Иван", "Денис",
    "Евгений", "Тимур", "Владислав", "Павел", "Руслан", "Олег", "Антон",
)
_FEMALE_NAMES = (
    "Анастасия", "Мария", "Анна", "Виктория", "Екатерина", "Наталья", "Марина", "Полина",
    "Дарья", "Алина", "Ксения", "Елена", "Юлия", "Ольга", "Татьяна", "Светлана", "Ирина",
    "Валерия", "Алёна", "Кристина", "Софья", "Евгения", "Диана", "Вероника",
)
_PATRONYMICS = (  # (masculine, feminine)
    ("Александрович", "Александровна"), ("Сергеевич", "Сергеевна"),
    ("Дмитриевич", "Дмитриевна"), ("Андреевич", "Андреевна"), ("Алексеевич", "Алексеевна"),
    ("Владимирович", "Владимировна"), ("Игоревич", "Игоревна"), ("Олегович", "Олеговна"),
    ("Викторович", "Викторовна"), ("Николаевич", "Николаевна"), ("Михайлович", "Михайловна"),
    ("Евгеньевич", "Евгеньевна"), ("Павлович", "Павловна"), ("Юрьевич", "Юрьевна"),
    ("Иванович", "Ивановна"), ("Романович", "Романовна"), ("Ильич", "Ильинична"),
    ("Константинович", "Константиновна"), ("Петрович", "Петровна"), ("Денисович", "Денисовна"),
)
# fmt: on


def _feminine(surname: str) -> str:
    if surname.endswith("ский"):
        return surname[:-2] + "ая"
    return surname + "а"  # -ов, -ев, -ёв, -ин


@dataclass(frozen=True)
class SellerSkill:
    """Hidden seller parameters. `conversion` multiplies the chance that a visitor this seller
    serves buys; `ticket` scales how many extra lines the seller adds to a basket and tilts the
    first product towards pricier models (so it raises the average ticket, though not by
    exactly this factor)."""

    conversion: float
    ticket: float


@dataclass(frozen=True)
class Person:
    name: str  # "Иванова Мария Сергеевна"
    aliases: tuple[str, ...]  # as printed on receipts; register k prints aliases[k % len]
    inn: str
    skill: SellerSkill


def _check_digit(digits: str, weights: tuple[int, ...]) -> str:
    return str(sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10)


def personal_inn(rng: np.random.Generator, region: str = "77") -> str:
    """A 12-digit personal INN with both check digits valid."""
    body = region + "".join(str(d) for d in rng.integers(0, 10, size=8))
    body += _check_digit(body, (7, 2, 4, 10, 3, 5, 9, 4, 6, 8))
    return body + _check_digit(body, (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8))


def company_inn(rng: np.random.Generator, region: str = "77") -> str:
    """A 10-digit legal-entity INN with a valid check digit."""
    body = region + "".join(str(d) for d in rng.integers(0, 10, size=7))
    return body + _check_digit(body, (2, 4, 10, 3, 5, 9, 4, 6, 8))


def build_people(count: int, rng: np.random.Generator) -> list[Person]:
    """`count` sellers with distinct short names ("Иванова М.С."), so that every alias maps to
    exactly one seller across the chain."""
    people: list[Person] = []
    short_names: set[str] = set()
    inns: set[str] = set()
    while len(people) < count:
        female = rng.random() < 0.55
        surname = str(rng.choice(_SURNAMES))
        first = str(rng.choice(_FEMALE_NAMES if female else _MALE_NAMES))
        patronymic = _PATRONYMICS[int(rng.integers(0, len(_PATRONYMICS)))][int(female)]
        surname = _feminine(surname) if female else surname
        short = f"{surname} {first[0]}.{patronymic[0]}."
        if short in short_names:
            continue
        short_names.add(short)
        full = f"{surname} {first} {patronymic}"
        inn = personal_inn(rng)
        while inn in inns:
            inn = personal_inn(rng)
        inns.add(inn)
        skill = SellerSkill(
            conversion=round(float(np.clip(rng.lognormal(0.0, 0.18), 0.65, 1.5)), 3),
            ticket=round(float(np.clip(rng.lognormal(0.0, 0.15), 0.7, 1.4)), 3),
        )
        aliases = (f"{full}, Продавец-кассир", f"продавец {short}")
        people.append(Person(full, aliases, inn, skill))
    return people
