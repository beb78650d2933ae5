"""The chain admin's form for the composite KPI: a weight for each component and the chain's
targets, shares entered in per cent (as the pages show them) and kept as fractions."""

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxm.metrics.composite import COMPONENTS, SHARE_METRICS, TARGET_METRICS
from cxm.staff.kpi import KpiChoice

LABELS = {
    "conversion": gettext_lazy("Conversion"),
    "consultation_conversion": gettext_lazy("Consultation conversion"),
    "coverage": gettext_lazy("Coverage"),
    "compliance": gettext_lazy("Standard compliance"),
    "like_index": gettext_lazy("Like-Index"),
    "average_ticket": gettext_lazy("Average ticket, ₽"),
    "upt": gettext_lazy("UPT (units per receipt)"),
}


class KpiSetupForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name in COMPONENTS:
            self.fields[f"weight_{name}"] = forms.FloatField(
                label=LABELS[name], min_value=0, required=False
            )
        for name in TARGET_METRICS:
            share = name in SHARE_METRICS
            self.fields[f"target_{name}"] = forms.FloatField(
                label=f"{LABELS[name]}{', %' if share else ''}",
                min_value=0,
                max_value=100 if share else None,
                required=False,
            )

    @classmethod
    def initial_of(cls, choice: KpiChoice) -> dict[str, float]:
        initial = {f"weight_{n}": choice.weights.get(n, 0) for n in COMPONENTS}
        for name, target in choice.targets.items():
            initial[f"target_{name}"] = round(target * 100, 4) if name in SHARE_METRICS else target
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not any(data.get(f"weight_{n}") for n in COMPONENTS) and not self.errors:
            raise forms.ValidationError(_("Give at least one component a weight above 0."))
        for name in TARGET_METRICS:
            if data.get(f"target_{name}") == 0:
                self.add_error(
                    f"target_{name}", _("A target must be above 0; leave it empty for none.")
                )
        return data

    def choice(self) -> KpiChoice:
        """The cleaned form as weights and targets (shares as fractions)."""
        data = self.cleaned_data
        weights = {n: data[f"weight_{n}"] for n in COMPONENTS if data.get(f"weight_{n}")}
        targets = {}
        for name in TARGET_METRICS:
            value = data.get(f"target_{name}")
            if value is not None:
                targets[name] = value / 100 if name in SHARE_METRICS else value
        return KpiChoice(weights, targets)
