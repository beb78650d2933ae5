"""Background jobs of the organizer, run by the task worker (`cxm db_worker`): sending each
delivery, evaluating the rules after an import, and the periodic tick."""

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from cxm.incidents.models import Delivery
from cxm.incidents.notify import attempt
from cxm.org.models import Chain


@task()
def deliver(delivery_id: int) -> str:
    """One attempt; a failure re-queues this same task after the back-off."""
    delivery = Delivery.objects.select_related("subscription").get(pk=delivery_id)
    if delivery.state != Delivery.State.PENDING:
        return delivery.state
    retry_at = attempt(delivery)
    if retry_at is not None:
        deliver.using(run_after=retry_at).enqueue(delivery_id)
    return delivery.state


def _waiting_job(job, args: list):
    """The id of the same job waiting in the database queue, or None."""
    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY, task_path=job.module_path)
    return waiting.filter(args_kwargs__args=args).values_list("id", flat=True).first()


def _already_queued(job, args: list) -> bool:
    """Is the same job waiting in the database queue? Then a second one adds nothing."""
    return _waiting_job(job, args) is not None


def enqueue_once(job, *args):
    """Queue the job unless the same one is waiting; returns the waiting one's id."""
    waiting = _waiting_job(job, list(args))
    return waiting if waiting is not None else job.enqueue(*args).id


def still_waiting(job_id) -> bool:
    """Is this queued job still waiting (no worker has taken it)? One indexed look-up by
    primary key, written out: imports ask it many times a second."""
    table = connection.ops.quote_name(DBTaskResult._meta.db_table)
    pk = DBTaskResult._meta.pk
    try:
        value = pk.get_db_prep_value(job_id, connection)
    except (TypeError, ValueError):
        return False  # an id of another task backend: not a row of this queue
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {table} WHERE {connection.ops.quote_name(pk.column)} = %s "
            "AND status = %s",
            [value, TaskResultStatus.READY],
        )
        return cursor.fetchone() is not None


@task()
def evaluate(chain_id: int) -> dict[str, int]:
    from cxm.incidents.services import evaluate_chain

    tally = evaluate_chain(Chain.objects.get(pk=chain_id))
    enqueue_once(tick)  # data flows in: make sure the periodic tick runs too
    return tally


# The days the pages open on (the last 30, the 30 before them, last month).
DAYS_KEPT_READY = timedelta(days=62)


def _sum_recent_rollups() -> dict[str, int]:
    """Sum the rollups kept by their readers of the recent store-days imports changed — and
    every visitor count waiting, whatever its day — here in the worker, so the first reader
    after a night's imports does not pay for them (readers still sum whatever changed since,
    and older days when they ask for them)."""
    from cxm.rollups.read_time import sum_changed_days

    return sum_changed_days(first=timezone.localdate() - DAYS_KEPT_READY)


@task()
def tick() -> dict[str, int]:
    """Every CXM_ORGANIZER_TICK_SECONDS: rules, escalation and due digests for every chain,
    contacts past their retention removed, tasks of dead workers queued again, the visitor
    counts waiting and the recent customer-voice and shift rollups summed; then the next tick
    is queued."""
    from cxm.incidents.digests import send_due_digests
    from cxm.incidents.services import evaluate_chain

    tally: dict[str, int] = {}
    for chain in Chain.objects.all():
        for name, n in evaluate_chain(chain).items():
            tally[name] = tally.get(name, 0) + n
    tally["digests"] = send_due_digests(timezone.now())
    from cxm.trust.personal import forget_expired_contacts
    from cxm.trust.tasks import requeue_abandoned_tasks

    tally["contacts_forgotten"] = forget_expired_contacts()
    tally["tasks_requeued"] = requeue_abandoned_tasks()
    tally.update(_sum_recent_rollups())
    if not _already_queued(tick, []):
        run_after = timezone.now() + timedelta(seconds=settings.CXM_ORGANIZER_TICK_SECONDS)
        tick.using(run_after=run_after).enqueue()
    return tally
