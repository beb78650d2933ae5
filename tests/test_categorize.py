"""Item categories by lemma and regex rules, and the default rules against the simulator's
whole catalog. Plain pytest, no database."""

import pytest

from cxm.demo.simulator import CATALOG
from cxm.sales.categorize import Categorizer, CategoryRule, lemmas
from cxm.sales.default_category_rules import DEFAULT_CATEGORY_RULES


@pytest.fixture(scope="module")
def default() -> Categorizer:
    return Categorizer(DEFAULT_CATEGORY_RULES)


@pytest.mark.parametrize("product", CATALOG, ids=lambda p: p.name)
def test_every_catalog_name_gets_its_category(default, product):
    assert default.categorize(product.name) == product.category


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("Чехол для смартфона", "Аксессуары для смартфонов"),
        ("Защитное стекло для смартфона Samsung", "Аксессуары для смартфонов"),
        ("Смартфон Samsung Galaxy A15 4/128GB", "Смартфоны"),
        ("Apple iPhone 15 128GB", "Смартфоны"),
        ("Чехол для iPhone 15", "Аксессуары для смартфонов"),
        ("Кронштейн для телевизора", "Аксессуары для ТВ"),
        ('Телевизор Samsung 50"', "Телевизоры"),
        ("Установка телевизора на стену", "Услуги"),
        ("Услуга: настройка смартфона", "Услуги"),
        ("Зарядное устройство для ноутбука 90W", "Аксессуары для ноутбуков"),
        ("Зарядное устройство USB-C 20W", "Аксессуары для смартфонов"),
        ('Сумка для ноутбука 14"', "Аксессуары для ноутбуков"),
        ("Ноутбук Lenovo IdeaPad 3", "Ноутбуки"),
        ("Samsung Galaxy Tab S9 FE", "Планшеты"),
    ],
)
def test_accessories_and_services_win_over_devices(default, name, category):
    assert default.categorize(name) == category


def test_unknown_name_has_no_category(default):
    assert default.categorize("Пакет фирменный") is None
    assert default.categorize("") is None


def test_lemmas_fold_case_yo_inflection_and_drop_digits():
    assert {"защитный", "стекло"} <= lemmas("ЗАЩИТНЫХ СТЁКОЛ 2 шт.")
    assert "iphone" in lemmas("Чехол для iPhone15")
    assert not any(ch.isdigit() for word in lemmas("Galaxy A55 8/256GB") for ch in word)
    assert lemmas("Плёнка") == lemmas("пленка")


def test_lemma_rule_matches_any_inflection_in_any_order():
    categorizer = Categorizer([CategoryRule("Стекла", "lemma", "защитный стекло")])
    for name in ('Защитное стекло 6.1"', "Набор защитных стёкол", "Стекло защитное 9H"):
        assert categorizer.categorize(name) == "Стекла", name
    assert categorizer.categorize("Стекло для часов") is None  # every lemma is required


def test_rule_written_inflected_still_matches():
    categorizer = Categorizer([CategoryRule("Стекла", "lemma", "защитное стекло")])
    assert categorizer.categorize("Защитных стёкол 2 шт.") == "Стекла"


def test_regex_rule_is_case_insensitive_search():
    categorizer = Categorizer([CategoryRule("ТВ", "regex", r"\bhdmi\b")])
    assert categorizer.categorize("Кабель Hdmi 2 м") == "ТВ"
    assert categorizer.categorize("Кабель USB") is None


def test_priority_then_rule_order():
    rules = [
        CategoryRule("Devices", "lemma", "смартфон", priority=50),
        CategoryRule("First", "lemma", "чехол", priority=30),
        CategoryRule("Second", "regex", "чехол", priority=30),
    ]
    assert Categorizer(rules).categorize("Чехол для смартфона") == "First"
    assert Categorizer(rules[::-1]).categorize("Чехол для смартфона") == "Second"


@pytest.mark.parametrize(
    ("kind", "pattern", "message"),
    [
        ("regex", "([unclosed", "bad regular expression"),
        ("glob", "чехол*", "unknown kind"),
        ("lemma", "123 !!", "no words"),
    ],
)
def test_bad_rule_is_refused_naming_it(kind, pattern, message):
    with pytest.raises(ValueError, match=message) as error:
        CategoryRule("Чехлы", kind, pattern)
    assert "Чехлы" in str(error.value) and pattern in str(error.value)


def test_categorizer_validates_rules_built_without_checks():
    rule = CategoryRule("Чехлы", "lemma", "чехол")
    object.__setattr__(rule, "kind", "fuzzy")  # e.g. a rule edited after construction
    with pytest.raises(ValueError, match="fuzzy"):
        Categorizer([rule])
