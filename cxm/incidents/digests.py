"""Digests: each store's day at its opening time in its own time zone, and the chain's week
on Monday morning. Idempotent by key, so the periodic tick may run as often as it likes."""

from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cxm.incidents.models import OPEN_STATUSES, Delivery, Incident, Subscription
from cxm.incidents.notify import RECEIVING_ROLES, queue, subscribers
from cxm.metrics.signals import opening_time
from cxm.org.models import Store
from cxm.org.scope import scope_for

WEEKLY_HOUR = 9  # Monday, chain time (CXM_TIME_ZONE)


def daily_text(store: Store, now: datetime) -> str:
    open_ = Incident.objects.open().filter(store=store).order_by("due_at")
    since = now - timedelta(days=1)
    lines = [
        _("%(store)s: %(open)d open incidents, %(overdue)d overdue, %(new)d new since yesterday")
        % {
            "store": f"{store.code} {store.name}",
            "open": open_.count(),
            "overdue": open_.filter(due_at__lt=now).count(),
            "new": Incident.objects.filter(store=store, opened_at__gte=since).count(),
        }
    ]
    lines += [f"· #{i.pk} {i.title} ({i.get_status_display()})" for i in open_[:20]]
    return "\n".join(lines)


def due_daily_digests(now: datetime) -> int:
    """A store's digest goes out once its local day has reached its opening time."""
    sent = 0
    for store in Store.objects.all():
        local = now.astimezone(store.tz)
        opens = opening_time(local, store.opening_hours)
        if opens is None or local.time() < opens:
            continue
        key = f"daily:{store.pk}:{local.date().isoformat()}"
        subject = _("CXM · the day at %(store)s, %(day)s") % {
            "store": store.code,
            "day": local.date().isoformat(),
        }
        for sub in subscribers(store.pk, "daily_digest"):
            made = queue(sub, Delivery.Kind.DAILY, key, subject, daily_text(store, now))
            sent += made is not None
    return sent


def weekly_rows(store_ids: frozenset[int], now: datetime) -> list[dict]:
    """Incidents of the seven days before `now`, per store: opened, still open, escalated."""
    week = Incident.objects.filter(store_id__in=store_ids, opened_at__gte=now - timedelta(days=7))
    rows = (
        week.values("store__code")
        .annotate(
            opened=Count("pk"),
            still_open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
            escalated=Count("pk", filter=Q(escalated=True)),
        )
        .order_by("store__code")
    )
    return [{"store": r.pop("store__code"), **r} for r in rows]


def weekly_text(store_ids: frozenset[int], now: datetime) -> str:
    lines = [_("Incidents of the last seven days, by store:")]
    for row in weekly_rows(store_ids, now):
        lines.append(
            _("%(store)s: %(opened)d opened, %(open)d still open, %(overdue)d escalated")
            % {
                "store": row["store"],
                "opened": row["opened"],
                "open": row["still_open"],
                "overdue": row["escalated"],
            }
        )
    return "\n".join(lines)


def due_weekly_digests(now: datetime) -> int:
    local = timezone.localtime(now)
    if local.weekday() != 0 or local.hour < WEEKLY_HOUR:
        return 0
    key = f"weekly:{local.date().isoformat()}"
    subject = _("CXM · the week, %(day)s") % {"day": local.date().isoformat()}
    sent = 0
    for sub in Subscription.objects.filter(active=True, weekly_digest=True).select_related("user"):
        scope = scope_for(sub.user)
        if scope.role not in RECEIVING_ROLES or not scope.store_ids:
            continue
        made = queue(sub, Delivery.Kind.WEEKLY, key, subject, weekly_text(scope.store_ids, now))
        sent += made is not None
    return sent


def send_due_digests(now: datetime) -> int:
    return due_daily_digests(now) + due_weekly_digests(now)
