"""Customer voice: feedback-terminal presses (Кнопка Лояльности) and survey answers (QR-опросы),
each tied to its store and, where known, its seller and receipt."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cxm.feedback.banks import BANK_NAMES
from cxm.org.models import Chain, Seller, Store
from cxm.sales.models import Receipt


class FeedbackSetup(models.Model):
    """A chain's choices for customer voice; a chain without a row uses the defaults."""

    chain = models.OneToOneField(Chain, on_delete=models.CASCADE, related_name="feedback_setup")
    bank = models.CharField(
        _("question bank"), max_length=10, choices=list(BANK_NAMES.items()), default="rsqs"
    )
    press_repeat_seconds = models.PositiveIntegerField(
        _("repeat presses ignored within (seconds)"), default=10
    )
    min_responses = models.PositiveIntegerField(_("fewest responses for a trusted NPS"), default=30)
    survey_cooldown_days = models.PositiveIntegerField(
        _("days before the same phone is asked again"), default=7
    )
    min_coverage = models.FloatField(
        _("lowest response coverage for a trusted NPS (answers per receipt)"), default=0.02
    )

    def __str__(self) -> str:
        return f"{self.chain} · {self.bank}"


class Button(models.TextChoices):
    EXCELLENT = "excellent", _("excellent")
    GOOD = "good", _("good")
    NEUTRAL = "neutral", _("neutral")
    POOR = "poor", _("poor")
    BAD = "bad", _("bad")
    LIKE = "like", _("like")
    DISLIKE = "dislike", _("dislike")


class Reason(models.TextChoices):
    """The terminal's one follow-up question after a negative press: what went wrong?"""

    WAIT = "wait", _("waited too long")
    STAFF = "staff", _("the seller")
    ASSORTMENT = "assortment", _("not what I wanted in stock")
    PRICE = "price", _("prices")
    OTHER = "other", _("something else")


POSITIVE_BUTTONS = frozenset({Button.EXCELLENT, Button.GOOD, Button.LIKE})
NEGATIVE_BUTTONS = frozenset({Button.POOR, Button.BAD, Button.DISLIKE})


class Press(models.Model):
    """One press of a feedback terminal. A press within the chain's repeat interval after
    another of the same terminal is kept but flagged `repeat` and counted nowhere."""

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE)
    external_id = models.CharField(max_length=100, help_text="the contract's `id`")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="presses")
    seller = models.ForeignKey(
        Seller, null=True, blank=True, on_delete=models.SET_NULL, related_name="presses"
    )
    terminal = models.CharField(max_length=100, blank=True)
    at = models.DateTimeField()
    day = models.DateField(help_text="the store's local day")
    hour = models.SmallIntegerField()
    button = models.CharField(max_length=10, choices=Button.choices)
    question = models.CharField(max_length=100, blank=True)
    reason = models.CharField(max_length=12, choices=Reason.choices, blank=True)
    repeat = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chain", "external_id"], name="press_unique_id")
        ]
        indexes = [
            models.Index(fields=["store", "day"]),
            models.Index(fields=["store", "terminal", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.at:%Y-%m-%d %H:%M:%S} {self.button}"


class Channel(models.TextChoices):
    QR = "qr", _("QR code")
    TERMINAL = "terminal", _("terminal")
    LINK = "link", _("link")


class SurveyResponse(models.Model):
    """One customer's answer — or their decline — to the survey. No IP address is kept."""

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE)
    external_id = models.CharField(max_length=100, help_text="the contract's `id`")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="survey_responses")
    seller = models.ForeignKey(
        Seller, null=True, blank=True, on_delete=models.SET_NULL, related_name="survey_responses"
    )
    receipt = models.ForeignKey(
        Receipt, null=True, blank=True, on_delete=models.SET_NULL, related_name="survey_responses"
    )
    at = models.DateTimeField()
    day = models.DateField(help_text="the store's local day")
    hour = models.SmallIntegerField()
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.QR)
    declined = models.BooleanField(default=False)
    nps = models.SmallIntegerField(null=True, blank=True, help_text="0–10; none when declined")
    answers = models.JSONField(default=dict, blank=True, help_text="factor code → 1–5")
    comment = models.TextField(blank=True)
    contact = models.CharField(max_length=200, blank=True, help_text="kept only with consent")
    contact_consent = models.BooleanField(default=False)
    # The thank-you page showed the store's public review links (review mobilisation).
    review_invited = models.BooleanField(default=False)
    # An unhappy customer wrote to the store from the thank-you page ("tell the store first"):
    # the message went into an incident of the event organizer, not here.
    store_told_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chain", "external_id"], name="survey_unique_id"),
            models.UniqueConstraint(
                fields=["receipt"],
                condition=models.Q(receipt__isnull=False),
                name="survey_one_answer_per_receipt",
            ),
            models.CheckConstraint(
                condition=models.Q(declined=True, nps__isnull=True)
                | models.Q(declined=False, nps__gte=0, nps__lte=10),
                name="survey_nps_or_declined",
            ),
        ]
        indexes = [models.Index(fields=["store", "day"]), models.Index(fields=["seller", "day"])]

    def __str__(self) -> str:
        return f"{self.store_id} {self.at:%Y-%m-%d %H:%M} {'—' if self.declined else self.nps}"


class ReviewClick(models.Model):
    """A customer followed a store's public review link after answering (Yandex Maps, 2GIS,
    Google Maps): mobilising reviews is measured by these."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="review_clicks")
    platform = models.CharField(max_length=40)
    at = models.DateTimeField(auto_now_add=True)
    day = models.DateField(null=True, help_text="the store's local day")
    promoter = models.BooleanField(help_text="the answer before the click was a 9 or 10")

    class Meta:
        indexes = [models.Index(fields=["store", "at"])]

    def __str__(self) -> str:
        return f"{self.store_id} {self.platform} {self.at:%Y-%m-%d %H:%M}"
