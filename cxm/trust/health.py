"""`/healthz` for load balancers and monitoring: is the database reachable, are all migrations
applied, is a task worker alive. No authentication and no data — only "ok" or what is wrong."""

from datetime import timedelta

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

# A worker that has not been seen for this long counts as gone.
WORKER_SILENCE = timedelta(minutes=5)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        checks = {"database": _database(), "migrations": _migrations(), "worker": _worker()}
    except DatabaseError:
        checks = {"database": "unreachable"}
    healthy = checks.get("database") == "ok" and checks.get("migrations") == "ok"
    body = {"status": "ok" if healthy else "fail", **checks}
    return JsonResponse(body, status=200 if healthy else 503)


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _migrations() -> str:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return "ok" if not plan else f"{len(plan)} unapplied"


def _worker() -> str:
    """Informational only (a quiet installation may run no worker): "seen" when a task was
    picked up recently or none waits, "behind" when tasks wait longer than WORKER_SILENCE."""
    from django_tasks_db.models import DBTaskResult

    stale = timezone.now() - WORKER_SILENCE
    waiting = DBTaskResult.objects.ready().filter(enqueued_at__lt=stale).exists()
    return "behind" if waiting else "ok"
