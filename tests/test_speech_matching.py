"""Offer detection measured, not assumed: precision and recall on the labelled set of
Russian seller utterances (tests/data/speech_utterances.tsv, written for this purpose,
with a held-out part never used to tune the rules),
and the behaviours the issue names, one by one. No database."""

import csv
from pathlib import Path

import pytest

from cxm.metrics.phrases import Phrase, PhraseBook, tokenize
from cxm.metrics.speech import OPENING_SECONDS, Contact, SpeechFigures, hear, labelled_detection
from cxm.speech.default_rules import DEFAULT_SPEECH_RULES, phrases_of

LABELLED = Path(__file__).parent / "data" / "speech_utterances.tsv"


@pytest.fixture(scope="module")
def book() -> PhraseBook:
    return PhraseBook(phrases_of(DEFAULT_SPEECH_RULES))


def labelled() -> list[dict[str, str]]:
    with LABELLED.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_the_labelled_set_is_large_and_varied():
    rows = labelled()
    assert len(rows) >= 300
    assert len({r["category"] for r in rows}) >= 6
    assert sum(r["offer"] == "1" for r in rows) >= 150
    assert sum(r["wrong_form"] == "1" for r in rows) >= 30
    assert {r["set"] for r in rows} == {"dev", "holdout"}


@pytest.mark.parametrize("part", ["dev", "holdout", "all"])
def test_offer_detection_reaches_090_precision_and_recall(book, part):
    # `dev` utterances were looked at while writing the default rules; `holdout` ones were
    # written afterwards and never used to change them.
    rows = [r for r in labelled() if part in ("all", r["set"])]
    offers, wrong = labelled_detection(book, rows)
    assert offers.precision >= 0.9 and offers.recall >= 0.9, offers
    if part != "holdout":  # six wrong forms only there: too few to hold a rate to
        assert wrong.precision >= 0.9 and wrong.recall >= 0.9, wrong


@pytest.mark.parametrize(
    "text",
    [
        "предложил чехольчик",  # diminutive
        "чехлы посмотрите",  # plural, verb after the noun
        "может, возьмёте чехол",
        "давайте подберём к нему чихол",  # a recognition error
        "защитное стёклышко поклеим",
    ],
)
def test_these_count_as_a_phone_offer_in_the_right_form(book, text):
    heard = hear(book, text, 10.0)
    assert heard.offer_for({"Смартфоны"}) and not heard.wrong_form


@pytest.mark.parametrize("text", ["чехол не нужен?", "Не хотите защитное стекло?"])
def test_a_negated_offer_is_an_offer_in_the_wrong_form(book, text):
    heard = hear(book, text, 10.0)
    assert heard.offer_for({"Смартфоны"}) and heard.wrong_form


def test_a_closed_question_at_the_end_is_the_wrong_form(book):
    heard = hear(book, "Больше ничего?", 5.0)
    assert heard.wrong_form and not heard.offered


def test_an_offer_for_another_category_does_not_fit(book):
    heard = hear(book, "К телевизору возьмите кронштейн", 5.0)
    assert heard.offer_for({"Телевизоры"}) and not heard.offer_for({"Смартфоны"})


def test_dictionary_words_are_never_taken_for_misheard_ones(book):
    # «сумма» is one letter from «сумка», but a real word: no laptop-bag offer.
    assert not hear(book, "сумма к оплате пятьсот рублей", 5.0).offered


def test_the_opening_counts_only_in_the_first_30_seconds(book):
    text = "Здравствуйте! Для каких задач выбираете?"
    assert hear(book, text, 60.0, word_times=[0.0, 1.0, 1.5, 2.0, 2.5]).opening
    late = [OPENING_SECONDS + 5 + i for i in range(5)]
    assert not hear(book, text, 60.0, word_times=late).opening


def test_leave_reasons_are_heard(book):
    heard = hear(book, "Дороговато, я ещё подумаю. Посмотрю в интернете.", 20.0)
    assert heard.leave_reasons == {"price", "think", "online"}


def test_marks_point_at_the_words_in_the_text(book):
    text = "Добрый день. Чехол не нужен?"
    heard = hear(book, text, 5.0)
    offer = next(m for m in heard.marks if m.kind == "cross_sell")
    assert text[offer.start : offer.end] == "Чехол" and offer.negated


def test_phrase_words_may_come_in_any_order_within_a_small_window():
    book = PhraseBook([Phrase("cross_sell", "ТВ", "кабель hdmi")])
    assert book.find(tokenize("hdmi кабель возьмите"))
    assert book.find(tokenize("кабель длинный hdmi"))
    assert not book.find(tokenize("кабель нужен для приставки и ещё потом купите hdmi"))


def test_figures_count_offers_forms_and_tickets_by_hand(book):
    phone = frozenset({"Смартфоны"})
    figures = SpeechFigures()
    for text, total, items in [
        ("Для каких задач? Возьмите чехол", 3000000, 2),
        ("Чехол не нужен?", 2000000, 1),
        ("Добрый день", 1000000, 1),
    ]:
        figures.add(Contact(hear(book, text, 10.0), phone, True, items, total))
    assert figures.cross_sell_offer_rate == pytest.approx(2 / 3)
    assert figures.right_form_rate == pytest.approx(1 / 2)
    assert figures.engagement_opening_rate == pytest.approx(1 / 3)
    assert figures.promo_offer_rate == 0.0
    assert figures.average_ticket_with_offer == 25000
    assert figures.average_ticket_without_offer == 10000
