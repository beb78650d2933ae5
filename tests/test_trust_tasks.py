"""A worker killed mid-task: the task it held goes back to the queue once its lease is over,
and the next worker runs it."""

from datetime import timedelta

from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from cxm.incidents.tasks import tick
from cxm.trust.tasks import requeue_abandoned_tasks

pytest_plugins = ["tests.incidents_fakes"]


def _claimed(started_ago: timedelta) -> DBTaskResult:
    result = DBTaskResult.objects.get(pk=tick.enqueue().id)
    result.claim("a worker that was killed")
    DBTaskResult.objects.filter(pk=result.pk).update(started_at=timezone.now() - started_ago)
    return result


def test_a_task_left_running_by_a_dead_worker_runs_again(chain, settings, worker):
    settings.CXM_TASK_LEASE_SECONDS = 600
    abandoned = _claimed(timedelta(minutes=11))
    busy = _claimed(timedelta(minutes=2))  # another worker may still be on it

    assert requeue_abandoned_tasks() == 1
    abandoned.refresh_from_db()
    busy.refresh_from_db()
    assert abandoned.status == TaskResultStatus.READY and abandoned.started_at is None
    assert busy.status == TaskResultStatus.RUNNING

    assert worker() >= 1
    abandoned.refresh_from_db()
    assert abandoned.status == TaskResultStatus.SUCCESSFUL
