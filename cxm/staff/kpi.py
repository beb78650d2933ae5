"""The chain's composite front-staff KPI set-up: its component weights and targets, read by
every report that scores sellers or shows targets, changed only by the chain admin."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied

from cxm.metrics.composite import check_targets, check_weights
from cxm.org.models import Chain, Role
from cxm.org.scope import Scope
from cxm.staff.models import KpiSetup


@dataclass(frozen=True)
class KpiChoice:
    weights: dict[str, float]
    targets: dict[str, float] = field(default_factory=dict)


def kpi_choice(chain_id: int | None) -> KpiChoice:
    """The chain's weights and targets; the installation's default weights and no targets
    for a chain that set none (or no chain: a superuser's scope)."""
    setup = KpiSetup.objects.filter(chain_id=chain_id).first() if chain_id else None
    if setup is None:
        return KpiChoice(dict(settings.CXM_SELLER_KPI_WEIGHTS))
    return KpiChoice(dict(setup.weights), dict(setup.targets))


def require_kpi_editor(scope: Scope) -> int:
    """The chain whose set-up the scope may change: the chain admin's own, nobody else's."""
    if scope.role != Role.CHAIN_ADMIN or scope.chain_id is None:
        raise PermissionDenied("only the chain admin changes the KPI weights and targets")
    return scope.chain_id


def change_kpi_setup(
    chain: Chain, weights: Mapping[str, float], targets: Mapping[str, float | None]
) -> KpiChoice:
    """Checks and saves the chain's weights and targets (SetupError names a bad one); the
    model's save is what the audit log records."""
    checked = KpiChoice(check_weights(weights), check_targets(targets))
    setup = KpiSetup.objects.filter(chain=chain).first() or KpiSetup(chain=chain)
    setup.weights, setup.targets = checked.weights, checked.targets
    setup.save()
    return checked


def below_targets(row: Mapping[str, Any], targets: Mapping[str, float]) -> list[str]:
    """The figures of a report row that fall short of the chain's targets."""
    return [
        name
        for name, target in targets.items()
        if row.get(name) is not None and float(row[name]) < target
    ]
