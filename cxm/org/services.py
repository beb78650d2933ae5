"""Named operations on the chain's structure, used by imports, the admin, the simulator and
tests alike."""

import re

from django.db import transaction

from cxm.org.models import Chain, Region, Register, Seller, SellerAlias, Store

# Cashier names are typed on the register; Latin look-alikes creep into Cyrillic text.
_LATIN_TO_CYRILLIC = str.maketrans("aceopxykmthbACEOPXYKMTHB", "асеорхукмтнвАСЕОРХУКМТНВ")
_CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def normalize_person_name(text: str) -> str:
    """The form under which receipt cashier names and seller aliases are compared."""
    text = _SPACES.sub(" ", text.strip()).replace("ё", "е").replace("Ё", "Е")
    if _CYRILLIC.search(text):
        text = text.translate(_LATIN_TO_CYRILLIC)
    return text.lower().strip(" .,;")


def default_chain(code: str | None = None) -> Chain:
    """The chain named by code, or the installation's only chain (created when none exists)."""
    if code:
        try:
            return Chain.objects.get(code=code)
        except Chain.DoesNotExist:
            raise ValueError(f"unknown chain {code!r}") from None
    chains = list(Chain.objects.all()[:2])
    if len(chains) > 1:
        raise ValueError("several chains exist: name one with --chain")
    if chains:
        return chains[0]
    from cxm.sales.services import install_default_categories

    with transaction.atomic():
        chain = Chain.objects.create(code="default", name="Сеть")
        install_default_categories(chain)
    return chain


def region_named(chain: Chain, name: str) -> Region:
    region, _ = Region.objects.get_or_create(chain=chain, name=name)
    return region


class SellerDirectory:
    """Finds the seller behind a receipt: by code, by cashier INN or by the printed name."""

    def __init__(self, chain: Chain):
        sellers = Seller.objects.filter(chain=chain).values_list("pk", "code", "inn")
        self.by_code = {code: pk for pk, code, _ in sellers}
        self.by_inn = {inn: pk for pk, _, inn in sellers if inn}
        self.by_alias = dict(
            SellerAlias.objects.filter(chain=chain).values_list("alias", "seller_id")
        )
        # Receipts repeat a few cashiers' texts: each is normalised once (bounded, since a
        # file may print a different name on every receipt).
        self._found: dict[tuple[str | None, str, str], int | None] = {}

    def find(self, code: str | None, inn: str, operator: str) -> int | None:
        key = (code, inn, operator)
        if key not in self._found:
            if len(self._found) >= 100_000:
                self._found.clear()
            self._found[key] = self._find(code, inn, operator)
        return self._found[key]

    def _find(self, code: str | None, inn: str, operator: str) -> int | None:
        if code and code in self.by_code:
            return self.by_code[code]
        if inn and inn in self.by_inn:
            return self.by_inn[inn]
        if not operator:
            return None
        name = normalize_person_name(operator)
        found = self.by_alias.get(name)
        if found is None and "," in name:
            # "Иванова Мария, продавец-кассир": the part before the job title.
            found = self.by_alias.get(name.split(",", 1)[0].strip())
        return found


class StoreDirectory:
    """Finds a receipt's store: by its register, else by the store code it carries."""

    def __init__(self, chain: Chain):
        self.stores = {s.code: s for s in Store.objects.filter(chain=chain)}
        by_pk = {s.pk: s for s in self.stores.values()}
        self.by_register = {
            reg: by_pk[store_id]
            for reg, store_id in Register.objects.filter(store__chain=chain).values_list(
                "kkt_reg_id", "store_id"
            )
        }

    def find(self, register: str, code: str | None) -> Store | None:
        if register and register in self.by_register:
            return self.by_register[register]
        if code:
            return self.stores.get(code)
        return None
