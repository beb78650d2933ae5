"""Background jobs of the speech app, run by the task worker (`cxm db_worker`)."""

from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from cxm.org.models import Chain, Store
from cxm.speech.analysis import reanalyse
from cxm.speech.linking import link_recent


@task()
def reanalyse_chain(chain_id: int) -> int:
    return reanalyse(Chain.objects.get(pk=chain_id))


@task()
def link_chain(chain_id: int) -> dict[str, float]:
    """Link the chain's recent store-days whose data changed (cxm.speech.linking)."""
    run = link_recent(Store.objects.filter(chain_id=chain_id).values_list("pk", flat=True))
    return {"store_days": run.store_days, "changed": run.changed, "seconds": run.seconds}


def enqueue_link(chain_id: int) -> None:
    """Queue `link_chain` unless it already waits: one run links whatever arrived."""
    waiting = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=link_chain.module_path
    ).filter(args_kwargs__args=[chain_id])
    if not waiting.exists():
        link_chain.enqueue(chain_id)
