"""Background jobs of the organizer, run by the task worker (`cxm db_worker`): sending each
delivery, evaluating the rules after an import, and the periodic tick."""

from datetime import timedelta

from django.conf import settings
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


def _already_queued(job, args: list) -> bool:
    """Is the same job waiting in the database queue? Then a second one adds nothing."""
    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY, task_path=job.module_path)
    return waiting.filter(args_kwargs__args=args).exists()


def enqueue_once(job, *args) -> None:
    if not _already_queued(job, list(args)):
        job.enqueue(*args)


@task()
def evaluate(chain_id: int) -> dict[str, int]:
    from cxm.incidents.services import evaluate_chain

    tally = evaluate_chain(Chain.objects.get(pk=chain_id))
    enqueue_once(tick)  # data flows in: make sure the periodic tick runs too
    return tally


@task()
def tick() -> dict[str, int]:
    """Every CXM_ORGANIZER_TICK_SECONDS: rules, escalation and due digests for every chain,
    contacts past their retention removed, tasks of dead workers queued again; then the next
    tick is queued."""
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
    if not _already_queued(tick, []):
        run_after = timezone.now() + timedelta(seconds=settings.CXM_ORGANIZER_TICK_SECONDS)
        tick.using(run_after=run_after).enqueue()
    return tally
