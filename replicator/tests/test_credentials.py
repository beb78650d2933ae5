"""Secrets at rest and in logs: the encrypted file store, masking in every log record, and
`config show`."""

import json
import logging
import stat
import sys

import pytest
from cxm_replicator import logs
from cxm_replicator.cli import main
from cxm_replicator.config import Config
from cxm_replicator.credentials import EncryptedFileStore


def test_the_file_store_keeps_no_plain_text_and_only_the_owner_reads_it(tmp_path):
    store = EncryptedFileStore(tmp_path)
    store.set("ofd.token", "plain-secret-value-123")
    assert store.get("ofd.token") == "plain-secret-value-123"
    assert b"plain-secret-value-123" not in store.path.read_bytes()
    if sys.platform != "win32":
        for path in (store.path, store.key_path):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_data_file_without_its_key_reveals_nothing(tmp_path):
    store = EncryptedFileStore(tmp_path)
    store.set("ofd.password", "hunter2-long")
    store.key_path.unlink()
    with pytest.raises(PermissionError, match="cannot be decrypted"):
        EncryptedFileStore(tmp_path).get("ofd.password")


@pytest.fixture
def root_logging():
    """logs.setup() rewires the root logger: put pytest's own handlers back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
        if handler not in handlers:
            handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def test_a_secret_once_read_is_masked_in_every_log_line(tmp_path, root_logging):
    store = EncryptedFileStore(tmp_path)
    store.set("cxm_token", "cxm_abcdefghijklmnop")
    token = store.get("cxm_token")
    logs.setup(tmp_path)
    logging.getLogger("anything").error("calling with %s failed", token)
    logging.getLogger().handlers[1].flush()
    text = (tmp_path / "logs" / "replicator.log").read_text(encoding="utf-8")
    assert token not in text and logs.MASK in text


def test_config_show_masks_secrets(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CXM_REPLICATOR_CREDENTIALS", "file")
    Config(
        "r-1",
        "http://cxm",
        "platforma",
        {"base_url": "https://ofd"},
        ["ofd.token", "cxm_token"],
        ["0000000000000001"],
        "file",
    ).save(tmp_path)
    EncryptedFileStore(tmp_path).set("ofd.token", "visible-if-broken")
    assert main(["--home", str(tmp_path), "config", "show"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["secrets"] == {"ofd.token": logs.MASK, "cxm_token": "(not set)"}
    assert "visible-if-broken" not in json.dumps(shown)
