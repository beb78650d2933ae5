"""Speech rules are the chain's to edit here; every change re-analyses the chain's
transcripts in the worker. Transcripts arrive by import and are only shown."""

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cxm.metrics.phrases import PhraseBook
from cxm.speech.default_rules import phrases_of
from cxm.speech.models import RuleKind, SpeechRule, Transcript
from cxm.speech.tasks import reanalyse_chain
from cxm.staff.admin import ReadOnly


def _reanalyse_later(chain_id: int) -> None:
    transaction.on_commit(lambda: reanalyse_chain.enqueue(chain_id))


class SpeechRuleForm(forms.ModelForm):
    class Meta:
        model = SpeechRule
        fields = ["chain", "kind", "target", "name", "phrases", "speaker", "active"]

    def clean(self):
        data = super().clean()
        kind, target = data.get("kind"), data.get("target", "")
        if kind in (RuleKind.CROSS_SELL, RuleKind.LEAVE_REASON, RuleKind.PRODUCT) and not target:
            self.add_error("target", _("name the receipt category or the reason code"))
        try:
            PhraseBook(
                phrases_of([(kind or "", target, data.get("phrases", ""), data.get("speaker", ""))])
            )
        except ValueError as exc:
            self.add_error("phrases", str(exc))
        return data


@admin.register(SpeechRule)
class SpeechRuleAdmin(admin.ModelAdmin):
    form = SpeechRuleForm
    list_display = ["kind", "target", "name", "speaker", "active", "chain"]
    list_filter = ["kind", "active"]

    def save_model(self, request: HttpRequest, obj: SpeechRule, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        _reanalyse_later(obj.chain_id)

    def delete_model(self, request: HttpRequest, obj: SpeechRule) -> None:
        super().delete_model(request, obj)
        _reanalyse_later(obj.chain_id)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[SpeechRule]) -> None:
        chains = set(queryset.values_list("chain_id", flat=True))
        super().delete_queryset(request, queryset)
        for chain_id in chains:
            _reanalyse_later(chain_id)


@admin.register(Transcript)
class TranscriptAdmin(ReadOnly):
    """A transcript with what was heard and everything it is tied to: the consultation, the
    receipt, and the customer's press, survey answer and checklist after it."""

    list_display = [
        "code",
        "store",
        "seller",
        "started_at",
        "offered",
        "wrong_form",
        "product",
        "failed",
        "tied_to",
    ]
    list_filter = ["store", "wrong_form", "failed"]
    list_select_related = ["store", "seller", "consultation", "press", "survey", "checklist"]
    date_hierarchy = "day"
    show_full_result_count = False

    @admin.display(description=_("tied to"))
    def tied_to(self, obj: Transcript) -> str:
        parts = []
        if obj.consultation_id:
            parts.append(f"{_('consultation')} {obj.consultation.code}")
        if obj.receipt_id:
            parts.append(f"{_('receipt')} #{obj.receipt_id}")
        if obj.press_id:
            parts.append(f"{_('press')}: {obj.press.get_button_display()}")
        if obj.survey_id:
            survey = obj.survey
            parts.append(f"NPS {survey.nps}" if not survey.declined else str(_("survey declined")))
        if obj.checklist_id:
            parts.append(f"{_('checklist')} {obj.checklist.code}")
        return " · ".join(parts) or "—"
