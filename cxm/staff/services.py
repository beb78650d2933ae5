"""Named operations on the service standard: defining a checklist template version."""

from collections.abc import Sequence

from django.db import transaction

from cxm.metrics.compliance import ItemSpec
from cxm.org.models import Chain
from cxm.staff.models import ChecklistItem, ChecklistTemplate

_ITEM_FIELDS = ("code", "factor", "text", "points", "weight", "critical", "na_allowed")


def _item_tuple(item: dict) -> tuple:
    defaults = {"text": "", "points": 1.0, "weight": 1.0, "critical": False, "na_allowed": False}
    merged = {**defaults, **item}
    return tuple(float(merged[f]) if f in ("points", "weight") else merged[f] for f in _ITEM_FIELDS)


def define_template(chain: Chain, code: str, name: str, items: Sequence[dict]) -> ChecklistTemplate:
    """The template version with these items: the latest one if nothing changed, else a new
    version (checklists already filled keep the version they were filled against)."""
    wanted = [_item_tuple(item) for item in items]
    if len({t[0] for t in wanted}) != len(wanted):
        raise ValueError("item codes must be unique within a template")
    latest = ChecklistTemplate.objects.filter(chain=chain, code=code).first()
    if latest is not None:
        current = [tuple(row) for row in latest.items.values_list(*_ITEM_FIELDS)]
        if latest.name == name and current == wanted:
            return latest
    with transaction.atomic():
        template = ChecklistTemplate.objects.create(
            chain=chain, code=code, name=name, version=(latest.version + 1) if latest else 1
        )
        ChecklistItem.objects.bulk_create(
            ChecklistItem(template=template, position=i, **dict(zip(_ITEM_FIELDS, t, strict=True)))
            for i, t in enumerate(wanted, start=1)
        )
    return template


def item_specs(template: ChecklistTemplate) -> list[ItemSpec]:
    return [
        ItemSpec(i.code, i.factor, i.points, i.weight, i.critical, i.na_allowed)
        for i in template.items.all()
    ]
