"""Incidents and the rules that open them, the reviews of the organizer, and notification
subscriptions with a record of every delivery attempt."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cxm.org.models import Chain, Store


class RuleKind(models.TextChoices):
    DETRACTOR = "detractor", _("Unhappy customer (detractor answer)")
    PRESS_BURST = "press_burst", _("Negative presses in a row")
    KPI_BELOW = "kpi_below", _("KPI below target")
    DEVICE_SILENT = "device_silent", _("Device silent")
    FAILURE_SPIKE = "failure_spike", _("Failed-consultation spike")
    REPLICATOR_SILENT = "replicator_silent", _("OFD replicator silent")


class Rule(models.Model):
    """A chain's rule: which signal opens an incident, with what deadline; edited by the
    chain admin. `params` hold the rule kind's thresholds (see rules.DEFAULT_PARAMS)."""

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="incident_rules")
    code = models.SlugField(max_length=40)
    kind = models.CharField(max_length=20, choices=RuleKind.choices)
    name = models.CharField(max_length=200)
    params = models.JSONField(default=dict, blank=True)
    enabled = models.BooleanField(default=True)
    sla_hours = models.PositiveIntegerField(_("hours to resolve"), default=24)
    auto_close = models.BooleanField(_("close when the metric recovers"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chain", "code"], name="incident_rule_unique_code")
        ]
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    NEW = "new", _("new")
    IN_PROGRESS = "in_progress", _("in progress")
    RESOLVED = "resolved", _("resolved")
    VERIFIED = "verified", _("verified")
    DISMISSED = "dismissed", _("dismissed")


OPEN_STATUSES = (Status.NEW, Status.IN_PROGRESS)


class Outcome(models.TextChoices):
    """What came of calling the customer back."""

    RETURNED = "returned", _("customer returned")
    REFUND = "refund", _("refund")
    EXCHANGE = "exchange", _("exchange")
    APOLOGY = "apology", _("apology accepted")
    UNREACHABLE = "unreachable", _("could not reach")
    REFUSED = "refused", _("customer refused")


class IncidentQuerySet(models.QuerySet):
    def open(self) -> "IncidentQuerySet":
        return self.filter(status__in=OPEN_STATUSES)


class Incident(models.Model):
    chain = models.ForeignKey(Chain, on_delete=models.CASCADE)
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="incidents")
    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="incidents")
    # Signals with the same key in the same store join the open incident.
    key = models.CharField(max_length=200)
    title = models.CharField(max_length=300)
    detail = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    escalated = models.BooleanField(default=False)
    opened_at = models.DateTimeField()
    due_at = models.DateTimeField()
    last_signal_at = models.DateTimeField()
    signals = models.PositiveIntegerField(default=1)
    closed_at = models.DateTimeField(null=True, blank=True)
    dismiss_reason = models.CharField(max_length=300, blank=True)
    # The customer's contact, copied only when they consented to be called back.
    contact = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["store", "status"]),
            models.Index(fields=["status", "due_at"]),
        ]
        ordering = ["-opened_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Event(models.Model):
    """The incident's history: comments, status changes, escalation, joined signals."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("opened")
        SIGNAL = "signal", _("signal joined")
        COMMENT = "comment", _("comment")
        STATUS = "status", _("status changed")
        ESCALATED = "escalated", _("escalated")
        RECOVERED = "recovered", _("metric recovered")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class Watermark(models.Model):
    """How far a rule has read a growing table, so evaluation after an import is incremental."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE)
    source = models.CharField(max_length=40)
    last_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "source"], name="incident_watermark_unique")
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.source} > {self.last_id}"


class ReviewKind(models.TextChoices):
    STAFF = "staff", _("Monthly staff review")
    POLICY = "policy", _("Half-year policy review")


class Review(models.Model):
    """A scheduled review: the staff review of one store each month, the policy review of the
    chain every six months. Marking one done schedules the next."""

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE)
    store = models.ForeignKey(Store, null=True, blank=True, on_delete=models.CASCADE)
    kind = models.CharField(max_length=8, choices=ReviewKind.choices)
    # The period the review looks back on.
    period_start = models.DateField()
    period_end = models.DateField()
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    notes = models.TextField(blank=True)
    decisions = models.TextField(blank=True)

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.store or ''} {self.due_on}"


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("e-mail")
    TELEGRAM = "telegram", _("Telegram")
    WEBHOOK = "webhook", _("webhook")


class Subscription(models.Model):
    """A user's choice: where to be told (channel + address) and about what."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    channel = models.CharField(max_length=10, choices=ChannelKind.choices)
    # An e-mail address, a Telegram chat id or a webhook URL.
    address = models.CharField(max_length=500)
    alerts = models.BooleanField(_("new incidents at once"), default=True)
    daily_digest = models.BooleanField(_("daily digest"), default=True)
    weekly_digest = models.BooleanField(_("weekly chain digest"), default=False)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "channel", "address"], name="subscription_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.channel}"


class Delivery(models.Model):
    """One message to one subscription; sent by the worker, retried with back-off."""

    class Kind(models.TextChoices):
        ALERT = "alert", _("alert")
        DAILY = "daily", _("daily digest")
        WEEKLY = "weekly", _("weekly digest")

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # Makes digests idempotent: one per subscription, store and local day (or week).
    key = models.CharField(max_length=200)
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.CASCADE)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscription", "key"], name="delivery_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.subscription} ({self.state})"


class Attempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField()
    ok = models.BooleanField()
    # Never the channel's secret: transports raise messages without tokens or passwords.
    error = models.CharField(max_length=500, blank=True)
    seconds = models.FloatField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {'ok' if self.ok else self.error}"
