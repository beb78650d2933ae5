"""What lies outside this machine, on loopback and speaking the real protocols: an SMTP
server (aiosmtpd) and a Telegram Bot API server answering sendMessage as Telegram does;
and a runner for the database task queue inside a test's transaction."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from django.db.models import Q
from django.test import TestCase
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

BOT_TOKEN = "123456:TEST-bot-token-never-logged"


class Mailbox:
    def __init__(self):
        self.messages: list[dict] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@bounce.invalid"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            {"to": envelope.rcpt_tos, "data": envelope.content.decode("utf-8", "replace")}
        )
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    yield mailbox
    controller.stop()


class FakeTelegram(ThreadingHTTPServer):
    """POST /bot<token>/sendMessage with JSON {chat_id, text}; answers {"ok": true, "result":
    Message} or {"ok": false, "error_code", "description"} like the Bot API."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _TelegramHandler)
        self.sent: list[dict] = []
        self.broken_chats: set[str] = set()
        self.slow_chats: set[str] = set()
        self.token = BOT_TOKEN


class _TelegramHandler(BaseHTTPRequestHandler):
    server: FakeTelegram

    def log_message(self, *args):  # keep the test output clean
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path != f"/bot{BOT_TOKEN}/sendMessage":
            return self._answer(
                401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            )
        chat = str(body.get("chat_id"))
        if chat in self.server.slow_chats:
            time.sleep(2)
        if chat in self.server.broken_chats or not body.get("text"):
            return self._answer(
                400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
            )
        self.server.sent.append(body)
        message = {"message_id": len(self.server.sent), "chat": {"id": chat}, "text": body["text"]}
        return self._answer(200, {"ok": True, "result": message})

    def _answer(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def telegram(settings):
    server = FakeTelegram()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CXM_TELEGRAM_BOT_TOKEN = BOT_TOKEN
    settings.CXM_TELEGRAM_API_URL = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


def run_queued(now=None) -> int:
    """Run the queued tasks that are due, as the worker does (claim, call, record), inside
    the test's transaction; tasks queued meanwhile run too. Returns how many ran."""
    ran = 0
    while True:
        now_ = now or timezone.now()
        due = (
            DBTaskResult.objects.filter(status=TaskResultStatus.READY)
            .filter(Q(run_after=get_date_max()) | Q(run_after__lte=now_))
            .order_by("enqueued_at")
            .first()
        )
        if due is None:
            return ran
        due.claim("test-worker")
        try:
            # What the task queues "on commit" is queued at its end, as in the worker.
            with TestCase.captureOnCommitCallbacks(execute=True):
                value = due.task.call(*due.args_kwargs["args"], **due.args_kwargs["kwargs"])
        except Exception as exc:
            due.set_failed(exc)
            raise
        due.set_successful(value)
        ran += 1


@pytest.fixture
def worker():
    """`worker()` runs the due queued tasks; `worker(now=…)` as if at that moment."""
    return run_queued
