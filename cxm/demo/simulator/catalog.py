"""The simulated chain's assortment: an electronics store's products as they are printed on
receipts, each with its category (what the default category rules must assign), price and
how it sells (as the first thing in a basket, or attached to a device)."""

from dataclasses import dataclass

import numpy as np

# Anchor groups: what a basket is "about"; accessories and services attach to these.
PHONE, TV, LAPTOP, TABLET, APPLIANCE, AUDIO, ACCESSORY = (
    "phone",
    "tv",
    "laptop",
    "tablet",
    "appliance",
    "audio",
    "accessory",
)
GROUPS = (PHONE, TV, LAPTOP, TABLET, APPLIANCE, AUDIO, ACCESSORY)

# Mean number of extra lines added to a basket, by the group of its first product, for a
# seller of average skill (the seller's ticket multiplier scales it).
ATTACH_RATE = {
    PHONE: 1.1,
    TV: 0.8,
    LAPTOP: 1.0,
    TABLET: 0.8,
    APPLIANCE: 0.35,
    AUDIO: 0.3,
    ACCESSORY: 0.25,
}

# The weights below are on one scale within devices and within accessories; more than half of
# an electronics store's baskets hold no device, so accessories as first products get this.
ACCESSORY_ALONE = 2.5

# How many of a product one line carries.
ONE, FEW, METRE = "one", "few", "metre"

SMARTPHONES = "Смартфоны"
PHONE_ACCESSORIES = "Аксессуары для смартфонов"
TVS = "Телевизоры"
TV_ACCESSORIES = "Аксессуары для ТВ"
LAPTOPS = "Ноутбуки"
LAPTOP_ACCESSORIES = "Аксессуары для ноутбуков"
TABLETS = "Планшеты"
APPLIANCES = "Бытовая техника"
AUDIO_CATEGORY = "Аудио"
SERVICES = "Услуги"

CATEGORIES = (
    SMARTPHONES,
    PHONE_ACCESSORIES,
    TVS,
    TV_ACCESSORIES,
    LAPTOPS,
    LAPTOP_ACCESSORIES,
    TABLETS,
    APPLIANCES,
    AUDIO_CATEGORY,
    SERVICES,
)


@dataclass(frozen=True)
class Product:
    name: str  # as printed on the receipt
    category: str
    price: int  # kopecks; whole roubles, so half-unit quantities give whole kopecks
    group: str  # anchor group this product belongs to
    weight: float  # popularity as a basket's first product (0: only ever attached)
    attach: tuple[str, ...] = ()  # anchor groups whose baskets it is added to
    attach_weight: float = 0.0
    qty: str = ONE


def _p(name, category, rub, group, weight, attach=(), attach_weight=0.0, qty=ONE) -> Product:
    return Product(name, category, rub * 100, group, weight, attach, attach_weight, qty)


# fmt: off
_DEVICES = [
    _p("Смартфон Samsung Galaxy A55 8/256GB черный", SMARTPHONES, 38_999, PHONE, 5),
    _p("Смартфон Samsung Galaxy A35 6/128GB голубой", SMARTPHONES, 27_999, PHONE, 6),
    _p("Смартфон Samsung Galaxy S24 8/256GB серый", SMARTPHONES, 79_999, PHONE, 2),
    _p("Смартфон Apple iPhone 15 128GB черный", SMARTPHONES, 84_999, PHONE, 3),
    _p("Смартфон Apple iPhone 16 Pro 256GB титан", SMARTPHONES, 139_999, PHONE, 1),
    _p("Смартфон Xiaomi Redmi Note 13 8/256GB черный", SMARTPHONES, 21_999, PHONE, 7),
    _p("Смартфон Xiaomi Redmi 13C 4/128GB синий", SMARTPHONES, 10_999, PHONE, 8),
    _p("Смартфон realme C67 8/256GB зеленый", SMARTPHONES, 16_499, PHONE, 5),
    _p("Смартфон HONOR X8b 8/128GB серебристый", SMARTPHONES, 19_999, PHONE, 4),
    _p("Смартфон TECNO Spark 20 Pro 8/256GB черный", SMARTPHONES, 17_999, PHONE, 4),
    _p('Телевизор LED Samsung UE43CU7100U 43" 4K', TVS, 39_999, TV, 3),
    _p('Телевизор LG 55UR78006LK 55" 4K UHD Smart TV', TVS, 54_999, TV, 2),
    _p('Телевизор Haier 50 Smart TV S1 50"', TVS, 32_999, TV, 3),
    _p('Телевизор Xiaomi TV A 32" HD', TVS, 15_999, TV, 4),
    _p('Телевизор OLED Sony XR-65A80L 65"', TVS, 189_999, TV, 0.5),
    _p('Ноутбук ASUS Vivobook 15 X1504VA 15.6" i5/16GB/512GB', LAPTOPS, 62_999, LAPTOP, 3),
    _p('Ноутбук Lenovo IdeaPad Slim 3 15IAH8 15.6" 16/512GB', LAPTOPS, 54_999, LAPTOP, 3),
    _p('Ноутбук HUAWEI MateBook D 16 16" i5/8GB/512GB', LAPTOPS, 59_999, LAPTOP, 2),
    _p('Ноутбук Apple MacBook Air 13" M2 8/256GB', LAPTOPS, 99_999, LAPTOP, 1.5),
    _p('Ноутбук игровой MSI Thin GF63 15.6" RTX 4050', LAPTOPS, 84_999, LAPTOP, 1),
    _p('Планшет Apple iPad 10.9" Wi-Fi 64GB серебристый', TABLETS, 44_999, TABLET, 2),
    _p('Планшет Samsung Galaxy Tab A9+ 11" 64GB графит', TABLETS, 22_999, TABLET, 3),
    _p('Планшет Xiaomi Redmi Pad SE 11" 8/256GB серый', TABLETS, 21_999, TABLET, 3),
    _p('Планшет HUAWEI MatePad 11.5" 8/128GB', TABLETS, 24_999, TABLET, 1.5),
    _p("Пылесос беспроводной Dreame T30 Neo", APPLIANCES, 24_999, APPLIANCE, 2),
    _p("Робот-пылесос Xiaomi Robot Vacuum S10", APPLIANCES, 19_999, APPLIANCE, 2),
    _p("Электрочайник Tefal KO 2008 1.7 л", APPLIANCES, 2_999, APPLIANCE, 6),
    _p("Микроволновая печь Samsung MS23K3513AW", APPLIANCES, 10_999, APPLIANCE, 3),
    _p("Фен Dyson Supersonic HD07", APPLIANCES, 44_999, APPLIANCE, 1),
    _p("Фен Polaris PHD 2077i", APPLIANCES, 2_499, APPLIANCE, 4),
    _p("Утюг Philips DST7030/20", APPLIANCES, 6_999, APPLIANCE, 3),
    _p("Кофемашина De'Longhi Magnifica S ECAM22.110", APPLIANCES, 39_999, APPLIANCE, 1),
    _p("Мультиварка REDMOND RMC-M90", APPLIANCES, 5_499, APPLIANCE, 3),
    _p("Портативная колонка JBL Charge 5 синяя", AUDIO_CATEGORY, 14_999, AUDIO, 3),
    _p("Портативная колонка Яндекс Станция Лайт", AUDIO_CATEGORY, 5_990, AUDIO, 4),
    _p("Умная колонка Яндекс Станция Макс с Алисой", AUDIO_CATEGORY, 27_990, AUDIO, 1.5),
    _p("Саундбар Samsung HW-C450 2.1", AUDIO_CATEGORY, 17_999, AUDIO, 1.5, (TV,), 0.3),
    _p("Наушники полноразмерные Sony WH-1000XM5 черные", AUDIO_CATEGORY, 34_999, AUDIO, 1),
    _p("Кабель акустический 2х1.5 мм2, м", AUDIO_CATEGORY, 90, AUDIO, 0, (AUDIO,), 2, METRE),
]

_PHONE_ACCESSORIES = [
    _p("Чехол-книжка для iPhone 15 черный", PHONE_ACCESSORIES, 1_490, ACCESSORY, 2, (PHONE,), 3),
    _p("Чехол силиконовый для Samsung Galaxy A55 прозрачный", PHONE_ACCESSORIES,
       990, ACCESSORY, 2, (PHONE,), 4),
    _p("Чехол-накладка для Xiaomi Redmi Note 13 черный", PHONE_ACCESSORIES,
       890, ACCESSORY, 2, (PHONE,), 4),
    _p('Защитное стекло 6.1" для iPhone 15', PHONE_ACCESSORIES, 1_290, ACCESSORY, 3, (PHONE,), 5),
    _p('Защитное стекло 6.7" Full Glue черная рамка', PHONE_ACCESSORIES,
       990, ACCESSORY, 3, (PHONE,), 5),
    _p("Пленка гидрогелевая для смартфона", PHONE_ACCESSORIES, 790, ACCESSORY, 1, (PHONE,), 2),
    _p("Сетевое зарядное устройство Samsung 25W USB-C", PHONE_ACCESSORIES,
       1_990, ACCESSORY, 3, (PHONE, TABLET), 3),
    _p("Зарядное устройство автомобильное Baseus 30W", PHONE_ACCESSORIES,
       1_490, ACCESSORY, 1, (PHONE,), 1),
    _p("Кабель USB-C - Lightning 1 м белый", PHONE_ACCESSORIES,
       990, ACCESSORY, 3, (PHONE, TABLET), 2, FEW),
    _p("Кабель USB-A - USB-C 1 м черный", PHONE_ACCESSORIES,
       490, ACCESSORY, 4, (PHONE, TABLET, AUDIO), 2, FEW),
    _p("Внешний аккумулятор Xiaomi 10000 mAh", PHONE_ACCESSORIES, 1_990, ACCESSORY, 3, (PHONE,), 1),
    _p("Наушники беспроводные Apple AirPods Pro 2", PHONE_ACCESSORIES,
       24_990, ACCESSORY, 1.5, (PHONE,), 0.7),
    _p("Наушники TWS Xiaomi Redmi Buds 6 Active", PHONE_ACCESSORIES,
       1_990, ACCESSORY, 3, (PHONE,), 1.5),
    _p("Наушники проводные JBL Tune 110 черные", PHONE_ACCESSORIES,
       890, ACCESSORY, 2, (PHONE,), 0.5),
    _p("Карта памяти microSDXC Kingston 128GB", PHONE_ACCESSORIES,
       1_290, ACCESSORY, 2, (PHONE, TABLET), 1),
    _p("Держатель автомобильный магнитный для телефона", PHONE_ACCESSORIES,
       790, ACCESSORY, 1, (PHONE,), 0.5),
]

_TV_ACCESSORIES = [
    _p('Кронштейн для телевизора Kromax 32-65" наклонный', TV_ACCESSORIES,
       2_490, ACCESSORY, 1, (TV,), 4),
    _p('Кронштейн поворотный 26-55"', TV_ACCESSORIES, 3_290, ACCESSORY, 0.5, (TV,), 2),
    _p("Кабель HDMI 2.1 8K 2 м", TV_ACCESSORIES, 990, ACCESSORY, 2, (TV, LAPTOP), 3, FEW),
    _p("Кабель HDMI - HDMI 1.5 м Defender", TV_ACCESSORIES, 390, ACCESSORY, 2, (TV,), 2, FEW),
    _p("Пульт универсальный для телевизоров", TV_ACCESSORIES, 690, ACCESSORY, 1, (TV,), 0.5),
    _p("Медиаплеер Xiaomi TV Box S 2nd Gen", TV_ACCESSORIES, 5_490, ACCESSORY, 1, (TV,), 0.5),
    _p("Приставка для цифрового ТВ DVB-T2 Selenga", TV_ACCESSORIES,
       1_490, ACCESSORY, 1, (TV,), 0.5),
    _p("Салфетки чистящие для экранов 100 шт.", TV_ACCESSORIES,
       290, ACCESSORY, 1, (TV, LAPTOP), 1.5),
]

_LAPTOP_ACCESSORIES = [
    _p("Мышь беспроводная Logitech M185 серая", LAPTOP_ACCESSORIES,
       1_290, ACCESSORY, 3, (LAPTOP, TABLET), 4),
    _p("Мышь игровая HyperX Pulsefire Core", LAPTOP_ACCESSORIES, 2_490, ACCESSORY, 1, (LAPTOP,), 1),
    _p('Сумка для ноутбука 15.6" черная', LAPTOP_ACCESSORIES, 1_990, ACCESSORY, 1, (LAPTOP,), 3),
    _p('Рюкзак для ноутбука Xiaomi 15.6"', LAPTOP_ACCESSORIES, 3_490, ACCESSORY, 1, (LAPTOP,), 2),
    _p("Клавиатура беспроводная Logitech K380", LAPTOP_ACCESSORIES,
       3_990, ACCESSORY, 1, (LAPTOP, TABLET), 1),
    _p("Подставка охлаждающая для ноутбука Deepcool", LAPTOP_ACCESSORIES,
       1_790, ACCESSORY, 0.5, (LAPTOP,), 1),
    _p("Разветвитель USB-хаб Ugreen 4 порта", LAPTOP_ACCESSORIES,
       1_490, ACCESSORY, 1, (LAPTOP,), 1),
    _p("Зарядное устройство для ноутбука 65W USB-C", LAPTOP_ACCESSORIES,
       2_990, ACCESSORY, 0.5, (LAPTOP,), 0.5),
    _p("Флешка USB 3.0 SanDisk 64GB", LAPTOP_ACCESSORIES, 690, ACCESSORY, 3, (LAPTOP,), 1, FEW),
]

_OTHER_ACCESSORIES = [
    _p("Фильтр для пылесоса Dreame HEPA", APPLIANCES, 990, ACCESSORY, 0.5, (APPLIANCE,), 1),
]

_SERVICES = [
    _p("Услуга: настройка смартфона", SERVICES, 990, ACCESSORY, 0, (PHONE,), 2),
    _p("Услуга: перенос данных на новый смартфон", SERVICES, 690, ACCESSORY, 0, (PHONE,), 1),
    _p("Услуга: наклейка защитного стекла", SERVICES, 390, ACCESSORY, 0, (PHONE,), 1.5),
    _p("Услуга: настройка ноутбука и установка ПО", SERVICES, 2_490, ACCESSORY, 0, (LAPTOP,), 2),
    _p("Услуга: настройка Smart TV", SERVICES, 1_490, ACCESSORY, 0, (TV,), 1),
    _p("Страховка техники от поломки 1 год", SERVICES,
       2_990, ACCESSORY, 0, (PHONE, TABLET, LAPTOP), 1.5),
    _p("Полис страхования смартфона «Защита экрана»", SERVICES, 1_990, ACCESSORY, 0, (PHONE,), 1),
    _p("Доставка крупногабаритной техники по городу", SERVICES,
       990, ACCESSORY, 0, (TV, APPLIANCE), 2),
    _p("Установка телевизора на стену", SERVICES, 2_990, ACCESSORY, 0, (TV,), 2),
    _p("Дополнительная гарантия 2 года", SERVICES, 3_490, ACCESSORY, 0, (TV, LAPTOP, APPLIANCE), 1),
]
# fmt: on

CATALOG: tuple[Product, ...] = tuple(
    _DEVICES
    + _PHONE_ACCESSORIES
    + _TV_ACCESSORIES
    + _LAPTOP_ACCESSORIES
    + _OTHER_ACCESSORIES
    + _SERVICES
)


class Sampler:
    """Draws from several discrete distributions at once: row r of `rows` is (values, p).
    The rows' CDFs are stacked, row r shifted by r, so one searchsorted serves every row
    (far cheaper than a Generator.choice call per row)."""

    def __init__(self, rows: list[tuple[np.ndarray, np.ndarray]]):
        cdfs, values = [], []
        for r, (vals, p) in enumerate(rows):
            cdf = np.cumsum(p / p.sum())
            cdf[-1] = 1.0  # no rounding gap at the top of the row
            cdfs.append(cdf + r)
            values.append(vals)
        self.cdf = np.concatenate(cdfs)
        self.values = np.concatenate(values).astype(np.int64)

    def draw(self, row: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        u = rng.random(len(row)) + row
        index = np.searchsorted(self.cdf, u, side="right")
        return self.values[np.minimum(index, len(self.values) - 1)]


class CatalogArrays:
    """The catalog as numpy arrays, and per group the pool of attachable products, so that a
    day's baskets are drawn with a handful of vectorised calls."""

    def __init__(self, catalog: tuple[Product, ...] = CATALOG):
        self.products = catalog
        self.names = [p.name for p in catalog]
        self.price = np.array([p.price for p in catalog], dtype=np.int64)
        self.group = np.array([GROUPS.index(p.group) for p in catalog], dtype=np.int64)
        self.qty_kind = np.array([(ONE, FEW, METRE).index(p.qty) for p in catalog])
        self.is_service = np.array([p.category == SERVICES for p in catalog])
        weight = np.array([p.weight for p in catalog], dtype=float)
        alone = self.group == GROUPS.index(ACCESSORY)
        self.anchor_weight = np.where(alone, weight * ACCESSORY_ALONE, weight)
        # Self-checkout customers buy small things they do not need advice on.
        cheap = self.price <= 300_000
        self_weight = np.where(cheap & (self.group == GROUPS.index(ACCESSORY)), weight, 0.0)
        self.self_checkout_p = self_weight / self_weight.sum()
        self.attach_rate = np.array([ATTACH_RATE[g] for g in GROUPS])
        self.pools: list[tuple[np.ndarray, np.ndarray]] = []
        for group in GROUPS:
            members = [i for i, p in enumerate(catalog) if group in p.attach]
            w = np.array([catalog[i].attach_weight for i in members], dtype=float)
            if not members:  # e.g. a case bought alone: extras are other cheap accessories
                members = list(np.flatnonzero(self.self_checkout_p))
                w = self.self_checkout_p[members]
            self.pools.append((np.array(members, dtype=np.int64), w / w.sum()))
        self.extras = Sampler(self.pools)  # row: the basket's anchor group

    def anchor_p(self, ticket: float) -> np.ndarray:
        """First-product probabilities for a seller: a better seller (ticket > 1) sells
        pricier models within each category more often."""
        log_price = np.log(self.price / 100.0)
        tilt = np.exp(0.8 * (ticket - 1.0) * (log_price - log_price.mean()))
        w = self.anchor_weight * tilt
        return w / w.sum()

    def anchor_sampler(self, tickets: list[float]) -> Sampler:
        """Rows 0..n-1: the store's sellers; row n: self-checkout."""
        everything = np.arange(len(self.names))
        rows = [(everything, self.anchor_p(t)) for t in tickets]
        return Sampler(rows + [(everything, self.self_checkout_p)])
