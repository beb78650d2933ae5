"""Background jobs of the speech app, run by the task worker (`cxm db_worker`)."""

from django_tasks import task

from cxm.org.models import Chain
from cxm.speech.analysis import reanalyse


@task()
def reanalyse_chain(chain_id: int) -> int:
    return reanalyse(Chain.objects.get(pk=chain_id))
