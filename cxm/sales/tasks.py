"""Background jobs of the sales app, run by the task worker (`cxm db_worker`)."""

from django_tasks import task

from cxm.org.models import Chain
from cxm.sales.services import recategorize_items


@task()
def recategorize_chain(chain_id: int) -> int:
    return recategorize_items(Chain.objects.get(pk=chain_id))
