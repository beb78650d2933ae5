"""Product categories: default rules for a new chain, and assigning categories to items."""

from django.db import transaction

from cxm.org.models import Chain
from cxm.sales import categorize
from cxm.sales.default_category_rules import DEFAULT_CATEGORY_RULES
from cxm.sales.models import Category, CategoryRule, ReceiptItem


def install_default_categories(chain: Chain) -> None:
    with transaction.atomic():
        for rule in DEFAULT_CATEGORY_RULES:
            category, _ = Category.objects.get_or_create(chain=chain, name=rule.category)
            CategoryRule.objects.get_or_create(
                category=category,
                kind=rule.kind,
                pattern=rule.pattern,
                defaults={"priority": rule.priority},
            )


def categorizer_for(chain: Chain) -> categorize.Categorizer:
    rules = CategoryRule.objects.filter(category__chain=chain).select_related("category")
    return categorize.Categorizer(
        categorize.CategoryRule(r.category.name, r.kind, r.pattern, r.priority) for r in rules
    )


class CategoryAssigner:
    """Item name → category id, remembering each name: receipts repeat the same products."""

    def __init__(self, chain: Chain):
        self.categorizer = categorizer_for(chain)
        self.ids = dict(Category.objects.filter(chain=chain).values_list("name", "pk"))
        self.cache: dict[str, int | None] = {}

    def category_id(self, name: str) -> int | None:
        if name not in self.cache:
            category = self.categorizer.categorize(name)
            self.cache[name] = self.ids.get(category) if category else None
        return self.cache[name]


def recategorize_items(chain: Chain) -> int:
    """Apply the current rules to every item name of the chain; returns items changed."""
    assigner = CategoryAssigner(chain)
    items = ReceiptItem.objects.filter(receipt__store__chain=chain)
    changed = 0
    with transaction.atomic():
        for name, current in items.values_list("name", "category_id").distinct():
            wanted = assigner.category_id(name)
            if wanted != current:
                changed += items.filter(name=name, category_id=current).update(category_id=wanted)
    return changed
