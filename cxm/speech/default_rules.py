"""The speech rules a new chain starts with (an electronics store's standard); the chain
admin edits them afterwards (admin → Speech rules). Each rule is a kind, a target and
phrases, one a line; a phrase's words may list alternatives with `|` and may be written in
any form (they are matched on lemmas, see cxm.metrics.phrases).

Kinds:
  cross_sell    target = a receipt category: offers expected when it is sold
  promo         the current promotion, expected when a receipt holds one item
  opening       an engaging open question, expected in the first 30 s of a contact
  wrong_form    forms to avoid: closed negative questions («больше ничего?»)
  empathy, expertise   markers of a caring and a knowledgeable seller
  leave_reason  target = a reason code: why a customer left without buying
  product       target = a receipt category: the product talked about, which files a
                conversation that ended without a sale under its category

A rule may name whose turns it counts in when a transcript has speaker turns (`speaker`:
seller, customer or any); left empty, the kind decides (cxm.metrics.speech.DEFAULT_SPEAKER:
reasons the customer's, products anyone's, the rest the seller's). The default «нет в
наличии» counts in anyone's turns: a seller reporting the stock is the reason heard best.
"""

from cxm.metrics.phrases import Phrase
from cxm.metrics.speech import (
    CROSS_SELL,
    EMPATHY,
    EXPERTISE,
    LEAVE_REASON,
    OPENING,
    PRODUCT,
    PROMO,
    WRONG_FORM,
)
from cxm.sales.default_category_rules import (
    APPLIANCES,
    AUDIO,
    LAPTOPS,
    SMARTPHONES,
    TABLETS,
    TVS,
)

KINDS = (CROSS_SELL, PROMO, OPENING, WRONG_FORM, EMPATHY, EXPERTISE, LEAVE_REASON, PRODUCT)
# Kinds whose phrases can be negated into the wrong form («чехол не нужен?»).
OFFER_KINDS = frozenset({CROSS_SELL, PROMO})

_PHONE_OFFERS = """чехол|чехольчик|кейс|бампер|накладка|книжка
защитный|защитить стекло|пленка
защитка
пленка
стекло экран
страховка|страхование|страховочка
настройка|настроить
перенос данные
наушник|наушнички|гарнитура|airpods
зарядка|зарядник
блок зарядный
повербанк|пауэрбанк
аккумулятор внешний
карта память
флешка
кабель|провод
держатель машина"""

_WARRANTY = """гарантия дополнительный|расширенный|продленный|продлить|продлевать
сервисный обслуживание"""

# (kind, target, phrases) or (kind, target, phrases, speaker).
Rule = tuple[str, str, str] | tuple[str, str, str, str]

DEFAULT_SPEECH_RULES: list[Rule] = [
    (CROSS_SELL, SMARTPHONES, _PHONE_OFFERS + "\n" + _WARRANTY),
    (
        CROSS_SELL,
        TABLETS,
        """чехол|чехольчик|обложка|книжка
защитный|защитить стекло|пленка
защитка
пленка
стилус|перо
клавиатура
страховка|страхование
"""
        + _WARRANTY,
    ),
    (
        CROSS_SELL,
        TVS,
        """кронштейн|крепление|подвес
повесить стена
hdmi|хдми|ашдимиай
кабель|провод|шнур
саундбар|акустика|колонка
установка|монтаж|установить
"""
        + _WARRANTY,
    ),
    (
        CROSS_SELL,
        LAPTOPS,
        """сумка|сумочка|рюкзак
чехол|чехольчик ноутбук
мышь|мышка|мышку
антивирус|касперский
офис|office|программа
коврик
подставка|охлаждающий
настройка|установка|установить
"""
        + _WARRANTY,
    ),
    (
        CROSS_SELL,
        APPLIANCES,
        """фильтр
средство уход|чистка|накипь
накипь
мешок|пылесборник
доставка|доставить|привезти
"""
        + _WARRANTY,
    ),
    (
        CROSS_SELL,
        AUDIO,
        """чехол|кейс
кабель|провод|переходник
амбушюры
"""
        + _WARRANTY,
    ),
    (
        PROMO,
        "",
        """акция|акционный
скидка
спецпредложение
подарок
второй полцены
бонус|баллы
кэшбэк|кешбэк
рассрочка""",
    ),
    (
        OPENING,
        "",
        """для какой|каких цель|задача
что важно
что присматривать|ищете|выбирать
как пользоваться|использовать
какой модель|вариант интересовать
расскажите
кому подарок
на что обратить""",
    ),
    (
        WRONG_FORM,
        "",
        """больше ничего
ничего еще
не нужный
не надо
не хотеть
не желать
не интересовать
не будете""",
    ),
    (
        EMPATHY,
        "",
        """понимать
отличный|хороший выбор
хороший вопрос
не переживайте|волнуйтесь
давайте вместе
удобно вам
спасибо что""",
    ),
    (
        EXPERTISE,
        "",
        """процессор
матрица
диагональ
частота обновление
объем память
характеристика
по сравнение
разрешение экран
автономность|аккумулятор держать""",
    ),
    (
        LEAVE_REASON,
        "price",
        """дорого|дороговато
дешевле
цена высокий
не по карман
бюджет не
за такие деньги""",
    ),
    (
        LEAVE_REASON,
        "out_of_stock",
        """нет наличие
закончиться|кончиться
под заказ
нет склад
привезти только""",
        "any",
    ),
    (
        LEAVE_REASON,
        "think",
        """подумать|подумаю
посоветоваться
вернуться позже|потом
зайти потом|позже""",
    ),
    (
        LEAVE_REASON,
        "online",
        """интернет
онлайн|маркетплейс|озон|wildberries|вайлдберриз
на сайт
заказать доставка""",
    ),
    (
        LEAVE_REASON,
        "size_colour",
        """другой цвет
нет цвет
нет размер
другой размер
маленький|большой слишком""",
    ),
    (
        LEAVE_REASON,
        "wait",
        """долго ждать
очередь
никто не подходить""",
    ),
    (PRODUCT, SMARTPHONES, "смартфон|телефон|айфон|iphone|мобильник"),
    (PRODUCT, TVS, "телевизор|телек|телик"),
    (PRODUCT, LAPTOPS, "ноутбук|ноут|макбук|macbook|лэптоп"),
    (PRODUCT, TABLETS, "планшет|айпад|ipad"),
    (
        PRODUCT,
        APPLIANCES,
        """пылесос|холодильник|чайник|кофемашина|утюг|микроволновка|мультиварка|блендер
стиральный|посудомоечный машина
плита|духовка""",
    ),
    (PRODUCT, AUDIO, "наушник|наушнички|колонка|гарнитура"),
]

# Human names of the leave reasons (the taxonomy); the codes are what reports carry.
LEAVE_REASON_NAMES = {
    "price": "Цена",
    "out_of_stock": "Нет в наличии",
    "think": "Хочет подумать",
    "online": "Купит в интернете",
    "size_colour": "Нет размера или цвета",
    "wait": "Долгое ожидание",
}


def phrases_of(rules: list[Rule]) -> list[Phrase]:
    """The phrases of (kind, target, lines[, speaker]) rules: one phrase a non-empty line."""
    return [
        Phrase(kind, target, line.strip(), negatable=kind in OFFER_KINDS, speaker=speaker)
        for kind, target, text, speaker in (with_speaker(rule) for rule in rules)
        for line in text.splitlines()
        if line.strip()
    ]


def with_speaker(rule: Rule) -> tuple[str, str, str, str]:
    return rule if len(rule) == 4 else (*rule, "")  # type: ignore[return-value]
