"""Question banks of the factor questions a survey draws from (at most three per answer).

Each chain chooses one model: a short CSI attribute list, RSQS (Dabholkar, Thorpe & Rentz
1996: five dimensions of retail service quality) or SERVQUAL (Parasuraman, Zeithaml & Berry
1988: the five RATER dimensions), rephrased as positive statements rated 1–5 (perceptions
only, as RSQS recommends). Codes carry the bank's prefix, so an answer's code names its bank.
"""

import random
from dataclasses import dataclass

from django.utils.translation import get_language

SCALE = (1, 2, 3, 4, 5)
FACTORS_PER_SURVEY = 3


@dataclass(frozen=True)
class Question:
    code: str
    dimension: str
    ru: str
    en: str

    @property
    def text(self) -> str:
        return self.en if (get_language() or "ru").startswith("en") else self.ru


def _q(code: str, dimension: str, ru: str, en: str) -> Question:
    return Question(code, dimension, ru, en)


# fmt: off
BANKS: dict[str, tuple[Question, ...]] = {
    "csi": (
        _q("csi_staff", "staff", "Вежливость и внимание продавца",
           "The seller's courtesy and attention"),
        _q("csi_advice", "staff", "Компетентность консультации", "How competent the advice was"),
        _q("csi_range", "assortment", "Выбор товаров", "The choice of products"),
        _q("csi_price", "price", "Цены", "Prices"),
        _q("csi_checkout", "checkout", "Скорость обслуживания на кассе", "Speed at the till"),
        _q("csi_store", "store", "Удобство и чистота магазина", "A convenient, clean store"),
    ),
    "rsqs": (
        _q("rsqs_physical_look", "physical", "Магазин выглядит современно и привлекательно",
           "The store looks modern and attractive"),
        _q("rsqs_physical_layout", "physical", "Легко найти нужный товар",
           "It is easy to find what you need"),
        _q("rsqs_reliability_stock", "reliability", "Нужный товар был в наличии",
           "The product you wanted was in stock"),
        _q("rsqs_reliability_right", "reliability", "Всё сделали правильно с первого раза",
           "Everything was done right the first time"),
        _q("rsqs_personal_knowledge", "personal", "Продавец знал ответы на ваши вопросы",
           "The seller knew the answers to your questions"),
        _q("rsqs_personal_courtesy", "personal", "Продавец был вежлив и внимателен",
           "The seller was courteous and attentive"),
        _q("rsqs_problem_solving", "problem", "Магазин охотно решает проблемы и возвраты",
           "The store willingly solves problems and returns"),
        _q("rsqs_policy_quality", "policy", "Качество товаров высокое",
           "The merchandise is of high quality"),
        _q("rsqs_policy_payment", "policy", "Удобные часы работы и способы оплаты",
           "Convenient opening hours and ways to pay"),
    ),
    "servqual": (
        _q("sq_tangibles", "tangibles", "Современное оборудование и опрятный персонал",
           "Up-to-date equipment and neat staff"),
        _q("sq_reliability", "reliability", "Магазин выполняет обещанное",
           "The store does what it promises"),
        _q("sq_responsiveness", "responsiveness", "Вас обслужили быстро и охотно",
           "You were served promptly and willingly"),
        _q("sq_assurance", "assurance", "Сотрудникам можно доверять",
           "You can trust the employees"),
        _q("sq_empathy", "empathy", "К вам отнеслись индивидуально",
           "You were given individual attention"),
    ),
}
# fmt: on

BANK_NAMES = {"csi": "CSI", "rsqs": "RSQS", "servqual": "SERVQUAL"}
QUESTIONS: dict[str, Question] = {q.code: q for bank in BANKS.values() for q in bank}


def bank_of(code: str) -> str | None:
    """The bank a factor code belongs to, None for an unknown code."""
    question = QUESTIONS.get(code)
    return None if question is None else next(b for b, qs in BANKS.items() if question in qs)


def draw_questions(bank: str, rng: random.Random | None = None) -> list[Question]:
    """At most three factor questions of the bank, drawn at random for one survey: each
    customer answers little, the chain still hears about every factor."""
    questions = BANKS[bank]
    return (rng or random.Random()).sample(questions, min(FACTORS_PER_SURVEY, len(questions)))
