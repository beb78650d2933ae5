"""Operations: the health endpoint, the secret checked at start, logs without secrets or
personal data, and backups that restore to the same rows on SQLite and PostgreSQL."""

import json
import logging
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from cxm.org.models import Store
from cxm.trust.backup import fingerprint
from cxm.trust.logs import JsonFormatter, RedactFilter
from cxm.trust.startup import checked_secret


def test_healthz_answers_ok_without_login_or_data(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "migrations": "ok", "worker": "ok"}


def test_healthz_fails_while_a_migration_is_unapplied(client, db, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [object()])
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["migrations"] == "1 unapplied"


@pytest.mark.parametrize(
    "value", ["change-me", "django-insecure-abcdefghijklmnopqrstuvwxyz0123456789", "x" * 64, "a1b2"]
)
def test_a_placeholder_or_short_secret_is_refused(value):
    with pytest.raises(ImproperlyConfigured, match="CXM_SECRET_KEY"):
        checked_secret(value, debug=False)


def test_a_random_secret_passes_and_debug_allows_anything():
    assert checked_secret("k7Pq-2vR9xW4mZ8bT1nL6cY3hF0sJ5dG", debug=False)
    assert checked_secret("change-me", debug=True) == "change-me"


def test_the_server_refuses_to_start_with_a_placeholder_secret(tmp_path):
    env = {**os.environ, "CXM_SECRET_KEY": "change-me", "CXM_DEBUG": "0"}
    env["CXM_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "cxm", "check"], env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "CXM_SECRET_KEY is a placeholder" in done.stderr


SECRETS = [
    ("Authorization: Bearer cxm_abcdefghijklmnop", "cxm_abcdefghijklmnop"),
    ("device cxmd_AbCdEf123456789 refused", "cxmd_AbCdEf123456789"),
    ("login password=hunter2hunter failed", "hunter2hunter"),
    ("reply to maria.ivanova@example.ru", "maria.ivanova@example.ru"),
    ("call +7 912 345-67-89 back", "912 345-67-89"),
    ("call 8(912)3456789 back", "3456789"),
]


@pytest.mark.parametrize(("message", "secret"), SECRETS)
def test_logs_mask_tokens_passwords_emails_and_phones(message, secret):
    record = logging.LogRecord("cxm", logging.WARNING, __file__, 1, "%s", (message,), None)
    RedactFilter().filter(record)
    line = JsonFormatter().format(record)
    assert secret not in line
    assert json.loads(line)["level"] == "WARNING"


def test_logs_keep_ordinary_figures():
    record = logging.LogRecord(
        "cxm", logging.INFO, __file__, 1, "imported %d of %s", (1200, "2026-03-02"), None
    )
    RedactFilter().filter(record)
    assert record.getMessage() == "imported 1200 of 2026-03-02"


def test_the_log_level_holds_for_djangos_loggers_too():
    script = (
        "import django, logging; django.setup(); "
        "logging.getLogger('django.request').warning('a refused request'); "
        "logging.getLogger('cxm').error('a failed job')"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cxm.settings", "CXM_LOG_LEVEL": "ERROR"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert "a failed job" in done.stderr
    assert "a refused request" not in done.stderr


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip(chain, tmp_path):
    before = fingerprint()
    assert before["org_store"][0] == 3
    target = tmp_path / f"cxm.{connection.vendor}.backup"
    call_command("backup", str(target))
    Store.objects.filter(code="NSK-1").update(name="changed after the backup")
    Store.objects.create(chain=chain, region=Store.objects.first().region, code="NEW", name="x")
    assert fingerprint() != before
    call_command("restore", str(target), "--yes")
    assert fingerprint() == before


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_missing_file(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no such backup file"):
        call_command("restore", str(tmp_path / "missing"), "--yes")
