"""Digests at each store's opening time in its own time zone, the weekly chain digest, the
webhook channel against a loopback receiver, and the worker's periodic tick."""

import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from cxm.incidents.channels import ChannelError, webhook
from cxm.incidents.digests import due_daily_digests, due_weekly_digests
from cxm.incidents.models import Delivery, Subscription
from cxm.incidents.tasks import tick
from cxm.org.models import Store

pytest_plugins = ["tests.incidents_fakes"]

MSK = ZoneInfo("Europe/Moscow")
EVERY_DAY_10_22 = {d: ["10:00", "22:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@pytest.fixture
def digest_readers(personas):
    Store.objects.filter(code__in=["MSK-2", "NSK-1"]).update(opening_hours=EVERY_DAY_10_22)
    for name in ("manager", "regional", "admin"):
        Subscription.objects.create(
            user=personas[name],
            channel="webhook",
            address=f"http://127.0.0.1:9/{name}",
            alerts=False,
            daily_digest=name != "admin",
            weekly_digest=name == "admin",
        )
    return personas


def readers(kind: str) -> list[str]:
    return sorted(d.subscription.user.username for d in Delivery.objects.filter(kind=kind))


def test_the_daily_digest_goes_out_at_each_stores_opening_in_its_zone(digest_readers):
    # 06:30 in Moscow is 10:30 in Novosibirsk: NSK-1 has opened, MSK-2 not yet.
    assert due_daily_digests(datetime(2026, 3, 3, 6, 30, tzinfo=MSK)) == 1
    assert readers("daily") == ["regional"]
    assert due_daily_digests(datetime(2026, 3, 3, 9, 59, tzinfo=MSK)) == 0
    assert due_daily_digests(datetime(2026, 3, 3, 10, 0, tzinfo=MSK)) == 1
    assert readers("daily") == ["manager", "regional"]
    assert due_daily_digests(datetime(2026, 3, 3, 15, 0, tzinfo=MSK)) == 0  # once a day
    assert "MSK-2" in Delivery.objects.get(subscription__user__username="manager").subject


def test_the_weekly_digest_goes_out_on_monday_morning(digest_readers):
    monday = datetime(2026, 3, 9, 8, 0, tzinfo=MSK)
    assert due_weekly_digests(monday) == 0
    assert due_weekly_digests(monday + timedelta(hours=1)) == 1
    assert due_weekly_digests(monday + timedelta(hours=5)) == 0
    assert due_weekly_digests(monday + timedelta(days=1, hours=1)) == 0
    assert readers("weekly") == ["admin"]


class _Receiver(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.received.append((self.path, body))
        self.send_response(500 if self.path == "/broken" else 204)
        self.end_headers()


@pytest.fixture
def receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_the_webhook_posts_json_and_reports_a_refusal(receiver):
    base = f"http://127.0.0.1:{receiver.server_address[1]}"
    webhook.send(f"{base}/hook", "Тема", "Текст")
    assert receiver.received == [("/hook", {"subject": "Тема", "text": "Текст"})]
    with pytest.raises(ChannelError, match="HTTP 500"):
        webhook.send(f"{base}/broken", "Тема", "Текст")
    with pytest.raises(ChannelError, match="http"):
        webhook.send("ftp://example.ru", "Тема", "Текст")


def test_the_tick_runs_the_rules_and_queues_the_next_tick(worker, personas, settings):
    settings.CXM_ORGANIZER_TICK_SECONDS = 300
    tick.enqueue()
    assert worker() == 1
    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY, task_path=tick.module_path)
    assert waiting.count() == 1
    delay = waiting.get().run_after - timezone.now()
    assert timedelta(seconds=290) < delay <= timedelta(seconds=300)
    assert worker() == 0  # not yet due
