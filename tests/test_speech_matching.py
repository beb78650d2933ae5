"""Offer detection measured, not assumed: precision and recall on the labelled set of
Russian seller utterances (tests/data/speech_utterances.tsv, written for this purpose,
with a held-out part never used to tune the rules, and a part with speaker turns),
and the behaviours the issue names, one by one. No database."""

import csv
from pathlib import Path

import pytest

from cxm.metrics.phrases import Phrase, PhraseBook, tokenize
from cxm.metrics.speech import (
    OPENING_SECONDS,
    Contact,
    FeedbackSplits,
    SpeechFigures,
    Turn,
    hear,
    labelled_detection,
    labelled_turns,
)
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
    turned = [r for r in rows if r["turns"]]
    assert len(turned) >= 40
    assert {r["turns"] for r in turned} == {"seller", "customer", "dialogue"}
    # Customers saying what would read as the seller's offer or wrong form.
    assert sum(r["turns"] == "customer" for r in turned) >= 10


@pytest.mark.parametrize("part", ["dev", "holdout", "all", "turns"])
def test_offer_detection_reaches_090_precision_and_recall(book, part):
    # `dev` utterances were looked at while writing the default rules; `holdout` ones were
    # written afterwards and never used to change them; `turns`: those with speaker turns.
    rows = [
        r
        for r in labelled()
        if part == "all" or r["set"] == part or (part == "turns" and r["turns"])
    ]
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


def _turns(book, *said: tuple[str, str], duration: float = 10.0):
    """Hear a dialogue given as (speaker, text) turns."""
    text, turns, position = [], [], 0
    for speaker, words in said:
        turns.append(Turn(speaker, position, position + len(words)))
        text.append(words)
        position += len(words) + 1
    return hear(book, "\n".join(text), duration, None, turns)


def test_a_customers_no_thanks_is_not_the_sellers_wrong_form(book):
    heard = _turns(
        book, ("seller", "Давайте подберём к нему чехол."), ("customer", "Чехол не нужен.")
    )
    assert heard.offer_for({"Смартфоны"}) and not heard.wrong_form
    # Without turns the same words read as a negated offer.
    assert hear(book, "Давайте подберём к нему чехол. Чехол не нужен.", 10.0).wrong_form


def test_a_customer_asking_about_a_case_is_not_the_sellers_offer(book):
    heard = _turns(book, ("customer", "А чехол к нему есть?"), ("seller", "Оплата на кассе."))
    assert not heard.offered and not heard.marks
    answered = _turns(book, ("customer", "А чехол к нему есть?"), ("seller", "Да, вот чехлы."))
    assert answered.offer_for({"Смартфоны"})
    assert {m.speaker for m in answered.marks if m.kind == "cross_sell"} == {"seller"}


def test_the_customers_closed_words_are_not_the_sellers(book):
    heard = _turns(book, ("seller", "Оплата на кассе."), ("customer", "Больше ничего не надо."))
    assert not heard.wrong_form
    assert _turns(book, ("seller", "Больше ничего не нужно?")).wrong_form


def test_reasons_are_heard_in_the_customers_turns_and_stock_in_anyones(book):
    heard = _turns(
        book,
        ("seller", "Это совсем не дорого, можно подумать о рассрочке."),
        ("customer", "Я ещё посоветуюсь с женой."),
    )
    assert heard.leave_reasons == {"think"}  # the seller's «не дорого», «подумать» do not count
    told = _turns(
        book, ("seller", "К сожалению, этой модели нет в наличии."), ("customer", "Жаль.")
    )
    assert told.leave_reasons == {"out_of_stock"}
    assert _turns(book, ("customer", "Дороговато для меня.")).leave_reasons == {"price"}


def test_the_promotion_and_markers_count_in_the_sellers_turns_only(book):
    heard = _turns(book, ("customer", "А скидка есть? Какой процессор?"), ("seller", "Вот."))
    assert not heard.promo and not heard.expertise
    said = _turns(book, ("customer", "А скидка есть?"), ("seller", "Да, сейчас по акции."))
    assert said.promo


def test_timed_turns_place_the_opening(book):
    said = ("seller", "Для каких задач выбираете?")
    assert _turns(book, said).opening
    text = "Здравствуйте.\nДля каких задач выбираете?"
    late = [Turn("customer", 0, 13, 0.0), Turn("seller", 14, len(text), OPENING_SECONDS + 10)]
    assert not hear(book, text, 120.0, None, late).opening
    early = [Turn("customer", 0, 13, 0.0), Turn("seller", 14, len(text), 5.0)]
    assert hear(book, text, 120.0, None, early).opening


def test_words_outside_every_turn_are_nobodys(book):
    text = "Чехол возьмите. Оплата на кассе."
    heard = hear(book, text, 10.0, None, [Turn("seller", 16, len(text))])
    assert not heard.offered


def test_the_product_talked_about_is_heard(book):
    heard = hear(book, "Этот телевизор хороший. Телевизор с кронштейном, или ноутбук?", 10.0)
    assert heard.product == "Телевизоры"
    assert hear(book, "Ноутбук или телефон?", 5.0).product == "Ноутбуки"  # first on a tie
    assert hear(book, "Добрый день", 5.0).product == ""


def test_labelled_dialogues_are_read_into_turns():
    text, turns = labelled_turns(
        {"text": "К: А чехол есть? / П: Да, вот чехлы.", "turns": "dialogue"}
    )
    assert text == "А чехол есть?\nДа, вот чехлы."
    assert [(t.speaker, text[t.start : t.end]) for t in turns] == [
        ("customer", "А чехол есть?"),
        ("seller", "Да, вот чехлы."),
    ]


def test_feedback_after_contacts_with_and_without_an_offer_by_hand(book):
    phone = frozenset({"Смартфоны"})
    offer, none = hear(book, "Возьмите чехол", 5.0), hear(book, "Добрый день", 5.0)
    splits = FeedbackSplits()
    for heard, press, nps, checklist in [
        (offer, 1, 10, (8.0, 10.0)),
        (offer, -1, None, None),
        (offer, None, 9, None),
        (none, -1, 3, (2.0, 10.0)),
        (none, 0, 7, None),
    ]:
        splits.add(Contact(heard, phone, True, 1, 100, press, nps, checklist))
    row = next(r for r in splits.rows() if r["split"] == "offer")
    # ИЭЛ over the contacts: 100·(1 − 1)/3 with an offer, 100·(0 − 1)/2 without.
    assert (row["with"]["contacts"], row["with"]["presses"], row["with"]["iel"]) == (3, 2, 0.0)
    assert row["without"]["iel"] == -50.0
    # NPS: two promoters of two answers; one detractor and one passive of two.
    assert (row["with"]["nps"], row["without"]["nps"]) == (100.0, -50.0)
    assert (row["with"]["compliance"], row["without"]["compliance"]) == (0.8, 0.2)
