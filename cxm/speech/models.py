"""Speech analytics (VoiceTrigger): transcripts of seller speech, tied to the consultation
and the receipt they led to, and the chain's speech rules (offers expected per category,
the promotion, openings, forms to avoid, markers, reasons customers leave)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cxm.feedback.models import Press, SurveyResponse
from cxm.org.models import Chain, Seller, Store
from cxm.sales.models import Receipt
from cxm.staff.models import Checklist, Consultation


class RuleKind(models.TextChoices):
    CROSS_SELL = "cross_sell", _("Offers expected for a category")
    PROMO = "promo", _("Current promotion (single-item receipts)")
    OPENING = "opening", _("Engaging opening (first 30 s)")
    WRONG_FORM = "wrong_form", _("Form to avoid")
    EMPATHY = "empathy", _("Empathy marker")
    EXPERTISE = "expertise", _("Expertise marker")
    LEAVE_REASON = "leave_reason", _("Reason a customer leaves")
    PRODUCT = "product", _("Product talked about")


class Speaker(models.TextChoices):
    KIND = "", _("as the kind says (reasons: the customer; products: anyone; else the seller)")
    SELLER = "seller", _("the seller")
    CUSTOMER = "customer", _("the customer")
    ANY = "any", _("anyone")


class SpeechRule(models.Model):
    """Phrases of one kind and target; one phrase a line, `|` between alternative words."""

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="speech_rules")
    kind = models.CharField(max_length=20, choices=RuleKind.choices)
    target = models.CharField(
        max_length=120,
        blank=True,
        help_text=_("cross-sell and product: the receipt category; leave reason: the reason code"),
    )
    name = models.CharField(max_length=200, blank=True, help_text=_("e.g. the reason's name"))
    phrases = models.TextField(help_text=_("one phrase a line; words match in any form"))
    speaker = models.CharField(
        max_length=10,
        choices=Speaker.choices,
        blank=True,
        default=Speaker.KIND,
        help_text=_("whose turns it counts in, when a transcript says who spoke"),
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "target", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.target or '—'}"


class Transcript(models.Model):
    """A seller's conversation as a speech-to-text engine heard it, with what CXM heard in it
    (`heard`: phrase marks with character offsets) and what it is tied to."""

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="transcripts")
    code = models.CharField(max_length=100, help_text=_("the contract's `id`"))
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="transcripts")
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="transcripts")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    day = models.DateField(help_text="the store's local day of the start")
    hour = models.SmallIntegerField()
    text = models.TextField()
    word_times = models.JSONField(default=list, blank=True, help_text="start seconds per word")
    turns = models.JSONField(
        default=list,
        blank=True,
        help_text="who spoke: [speaker, first character, past the last, start seconds or null]",
    )
    # What was heard, under the rules whose fingerprint is `rules`.
    rules = models.CharField(max_length=64, blank=True)
    offered = models.JSONField(default=list, blank=True, help_text="categories offered for")
    promo = models.BooleanField(default=False)
    opening = models.BooleanField(default=False)
    wrong_form = models.BooleanField(default=False)
    empathy = models.BooleanField(default=False)
    expertise = models.BooleanField(default=False)
    leave_reasons = models.JSONField(default=list, blank=True)
    product = models.CharField(
        max_length=120, blank=True, help_text="the category of the product talked about most"
    )
    marks = models.JSONField(default=list, blank=True)
    # What it is tied to (cxm.speech.linking): the consultation it overlaps and the receipt
    # that followed, or neither; `failed` when a consultation ended without a sale.
    consultation = models.ForeignKey(
        Consultation, null=True, blank=True, on_delete=models.SET_NULL, related_name="transcripts"
    )
    receipt = models.ForeignKey(
        Receipt, null=True, blank=True, on_delete=models.SET_NULL, related_name="transcripts"
    )
    failed = models.BooleanField(null=True, blank=True)
    # The customer's feedback after it (cxm.speech.linking): the press of the store's
    # terminal, the survey answer, and the checklist that scored the conversation.
    press = models.ForeignKey(
        Press, null=True, blank=True, on_delete=models.SET_NULL, related_name="transcripts"
    )
    survey = models.ForeignKey(
        SurveyResponse, null=True, blank=True, on_delete=models.SET_NULL, related_name="transcripts"
    )
    checklist = models.ForeignKey(
        Checklist, null=True, blank=True, on_delete=models.SET_NULL, related_name="transcripts"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chain", "code"], name="transcript_unique_code")
        ]
        indexes = [
            models.Index(fields=["store", "day"]),
            models.Index(fields=["seller", "started_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.seller_id} {self.started_at:%Y-%m-%d %H:%M}"


class LinkState(models.Model):
    """What a store-day's transcripts were last linked against (cxm.speech.linking): they
    are linked again only when this fingerprint of the data around them changes, or when
    `recheck_at` passes (a conversation whose sale window was still open)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE)
    day = models.DateField()
    fingerprint = models.CharField(max_length=400)
    recheck_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "day"], name="speech_link_state_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.day}"
