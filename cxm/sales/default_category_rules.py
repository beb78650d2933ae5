"""The category rules a new chain starts with (an electronics store's assortment); the chain
edits them afterwards. Lower priority numbers win, so the tiers are:

  10  services — "Услуга: настройка смартфона" is a service, whatever it names
  20  accessories whose generic words would send them elsewhere (a laptop charger, HDMI
      cables, an acoustic cable, over-ear headphones)
  30  accessories — "Чехол для смартфона" is an accessory, not a smartphone
  50  devices, by the noun that names them
  60  devices, by brand and model words only ("Apple iPhone 15 128GB")
"""

from cxm.sales.categorize import CategoryRule as R

SMARTPHONES = "Смартфоны"
PHONE_ACCESSORIES = "Аксессуары для смартфонов"
TVS = "Телевизоры"
TV_ACCESSORIES = "Аксессуары для ТВ"
LAPTOPS = "Ноутбуки"
LAPTOP_ACCESSORIES = "Аксессуары для ноутбуков"
TABLETS = "Планшеты"
APPLIANCES = "Бытовая техника"
AUDIO = "Аудио"
SERVICES = "Услуги"

DEFAULT_CATEGORY_RULES: list[R] = [
    # 10: services
    R(SERVICES, "regex", r"^\s*услуга\b", 10),
    R(SERVICES, "lemma", "услуга", 10),
    R(SERVICES, "lemma", "страховка", 10),
    R(SERVICES, "lemma", "страхование", 10),
    R(SERVICES, "lemma", "полис", 10),
    R(SERVICES, "lemma", "доставка", 10),
    R(SERVICES, "lemma", "установка", 10),
    R(SERVICES, "lemma", "настройка", 10),
    R(SERVICES, "lemma", "дополнительный гарантия", 10),
    R(SERVICES, "lemma", "сервисный обслуживание", 10),
    # 20: accessories that generic rules would misfile
    R(LAPTOP_ACCESSORIES, "lemma", "зарядный устройство ноутбук", 20),
    R(LAPTOP_ACCESSORIES, "lemma", "блок питание ноутбук", 20),
    R(TV_ACCESSORIES, "regex", r"\bhdmi\b", 20),
    R(AUDIO, "lemma", "акустический кабель", 20),
    R(AUDIO, "lemma", "полноразмерный наушник", 20),
    # 30: accessories
    R(PHONE_ACCESSORIES, "lemma", "чехол", 30),
    R(PHONE_ACCESSORIES, "lemma", "защитный стекло", 30),
    R(PHONE_ACCESSORIES, "lemma", "пленка", 30),
    R(PHONE_ACCESSORIES, "lemma", "зарядный устройство", 30),
    R(PHONE_ACCESSORIES, "lemma", "внешний аккумулятор", 30),
    R(PHONE_ACCESSORIES, "regex", r"power\s*bank", 30),
    R(PHONE_ACCESSORIES, "regex", r"кабель.*\b(usb|lightning|type-?c)\b", 30),
    R(PHONE_ACCESSORIES, "lemma", "наушник", 30),
    R(PHONE_ACCESSORIES, "lemma", "гарнитура", 30),
    R(PHONE_ACCESSORIES, "regex", r"\bairpods\b", 30),
    R(PHONE_ACCESSORIES, "lemma", "карта память", 30),
    R(PHONE_ACCESSORIES, "lemma", "держатель", 30),
    R(TV_ACCESSORIES, "lemma", "кронштейн", 30),
    R(TV_ACCESSORIES, "lemma", "пульт", 30),
    R(TV_ACCESSORIES, "lemma", "медиаплеер", 30),
    R(TV_ACCESSORIES, "lemma", "приставка", 30),
    R(TV_ACCESSORIES, "lemma", "салфетка", 30),
    R(TV_ACCESSORIES, "lemma", "антенна", 30),
    R(LAPTOP_ACCESSORIES, "lemma", "мышь", 30),
    R(LAPTOP_ACCESSORIES, "lemma", "клавиатура", 30),
    R(LAPTOP_ACCESSORIES, "lemma", "сумка ноутбук", 30),
    R(LAPTOP_ACCESSORIES, "lemma", "рюкзак ноутбук", 30),
    R(LAPTOP_ACCESSORIES, "lemma", "подставка ноутбук", 30),
    R(LAPTOP_ACCESSORIES, "lemma", "хаб", 30),
    R(LAPTOP_ACCESSORIES, "lemma", "флешка", 30),
    R(LAPTOP_ACCESSORIES, "regex", r"\busb[- ]?(флеш|накопитель)", 30),
    # 50: devices by their noun
    R(SMARTPHONES, "lemma", "смартфон", 50),
    R(TABLETS, "lemma", "планшет", 50),
    R(TVS, "lemma", "телевизор", 50),
    R(LAPTOPS, "lemma", "ноутбук", 50),
    R(APPLIANCES, "lemma", "пылесос", 50),
    R(APPLIANCES, "lemma", "чайник", 50),
    R(APPLIANCES, "lemma", "электрочайник", 50),
    R(APPLIANCES, "lemma", "микроволновый печь", 50),
    R(APPLIANCES, "lemma", "фен", 50),
    R(APPLIANCES, "lemma", "утюг", 50),
    R(APPLIANCES, "lemma", "кофемашина", 50),
    R(APPLIANCES, "lemma", "кофеварка", 50),
    R(APPLIANCES, "lemma", "мультиварка", 50),
    R(APPLIANCES, "lemma", "блендер", 50),
    R(APPLIANCES, "lemma", "холодильник", 50),
    R(APPLIANCES, "lemma", "стиральный машина", 50),
    R(APPLIANCES, "lemma", "посудомоечный машина", 50),
    R(AUDIO, "lemma", "колонка", 50),
    R(AUDIO, "lemma", "саундбар", 50),
    R(AUDIO, "lemma", "акустика", 50),
    R(AUDIO, "lemma", "ресивер", 50),
    R(AUDIO, "lemma", "микрофон", 50),
    # 60: devices by brand and model words only
    R(TABLETS, "regex", r"\bipad\b|\bgalaxy\s+tab\b|\bmatepad\b|\bredmi\s+pad\b", 60),
    R(SMARTPHONES, "regex", r"\biphone\b|\bgalaxy\s+[asmz]\d|\bredmi\b|\bpixel\s+\d", 60),
    R(LAPTOPS, "regex", r"\bmacbook\b|\bvivobook\b|\bideapad\b|\bmatebook\b", 60),
]
