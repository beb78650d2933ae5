"""Background tasks whose worker died: django-tasks' database backend marks a task running
when a worker claims it and has no lease of its own, so a worker killed mid-task would leave
it running for ever (a notification never sent, a tick never repeated)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult


def requeue_abandoned_tasks(now: datetime | None = None) -> int:
    """Tasks running for longer than CXM_TASK_LEASE_SECONDS go back to the queue; returns how
    many. The tasks are repeatable (a delivery checks its state before sending)."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.CXM_TASK_LEASE_SECONDS)
    abandoned = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
    return abandoned.update(status=TaskResultStatus.READY, started_at=None)
