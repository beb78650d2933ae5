"""Emotion monitoring (Мониторинг эмоций): what camera analytics saw at the point of contact,
one observation per interaction and subject (the seller or the customer)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cxm.org.models import Chain, Seller, Store


class Subject(models.TextChoices):
    SELLER = "seller", _("Seller")
    CUSTOMER = "customer", _("Customer")


class Emotion(models.TextChoices):
    HAPPY = "happy", _("Happy")
    NEUTRAL = "neutral", _("Neutral")
    SAD = "sad", _("Sad")
    ANGRY = "angry", _("Angry")
    SURPRISED = "surprised", _("Surprised")


class EmotionObservation(models.Model):
    """`smiling` is decided at import: the camera's smile score ≥ 0.5 when given, else the
    emotion `happy` — the Smile-Index counts these."""

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="emotions")
    code = models.CharField(max_length=100, help_text=_("the contract's `id`"))
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="emotions")
    seller = models.ForeignKey(
        Seller, null=True, blank=True, on_delete=models.PROTECT, related_name="emotions"
    )
    at = models.DateTimeField()
    day = models.DateField()
    hour = models.SmallIntegerField()
    subject = models.CharField(max_length=10, choices=Subject.choices)
    emotion = models.CharField(max_length=10, choices=Emotion.choices)
    smile = models.FloatField(null=True, blank=True)
    smiling = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chain", "code"], name="emotion_unique_code")
        ]
        indexes = [models.Index(fields=["store", "day"])]

    def __str__(self) -> str:
        return f"{self.code} {self.subject} {self.emotion}"
