"""Where the OFD credentials and the CXM token live: the OS credential store through
`keyring` (Windows Credential Manager, macOS Keychain, Secret Service), or, where there is
none (a headless Linux box, a service account without a login keyring), a file encrypted
with a key file beside it, both readable by the service account only.

Nothing here writes a secret in plain text, and every value read is registered with the
log filter so that it can never appear in a log line."""

import json
import os
import sys
from pathlib import Path
from typing import Protocol

import keyring
import keyring.backends.fail
from cryptography.fernet import Fernet, InvalidToken

from cxm_replicator.logs import hide

SERVICE = "cxm-replicator"


class CredentialStore(Protocol):
    kind: str

    def get(self, name: str) -> str:
        """The secret, or KeyError when it was never set."""

    def set(self, name: str, value: str) -> None: ...

    def names(self) -> list[str]: ...


class KeyringStore:
    kind = "keyring"

    def __init__(self, replicator_id: str) -> None:
        self.service = f"{SERVICE}/{replicator_id}"

    def get(self, name: str) -> str:
        value = keyring.get_password(self.service, name)
        if value is None:
            raise KeyError(name)
        return hide(value)

    def set(self, name: str, value: str) -> None:
        keyring.set_password(self.service, name, value)
        index = set(self.names()) | {name}
        keyring.set_password(self.service, "_names", json.dumps(sorted(index)))

    def names(self) -> list[str]:
        return json.loads(keyring.get_password(self.service, "_names") or "[]")


class EncryptedFileStore:
    """Fernet (AES-128-CBC + HMAC-SHA256) over a JSON map. The key is in a separate file:
    copying the data file alone (a backup, a support bundle) reveals nothing."""

    kind = "file"

    def __init__(self, home: Path) -> None:
        self.path = home / "credentials.enc"
        self.key_path = home / "credentials.key"

    def _fernet(self) -> Fernet:
        if not self.key_path.exists():
            _write_private(self.key_path, Fernet.generate_key())
        return Fernet(self.key_path.read_bytes().strip())

    def _load(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        try:
            return json.loads(self._fernet().decrypt(self.path.read_bytes()))
        except InvalidToken:
            raise PermissionError(
                f"{self.path} cannot be decrypted with {self.key_path}: the key file was "
                "replaced; run `cxm-replicator init` again"
            ) from None

    def get(self, name: str) -> str:
        return hide(self._load()[name])

    def set(self, name: str, value: str) -> None:
        data = self._load()
        data[name] = value
        _write_private(self.path, self._fernet().encrypt(json.dumps(data).encode()))

    def names(self) -> list[str]:
        return sorted(self._load())


def _write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner can read (POSIX modes; on Windows the folder's ACL,
    which the service installation restricts to the service account, protects it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)
    if sys.platform != "win32":
        os.chmod(path, 0o600)


def keyring_usable() -> bool:
    backend = keyring.get_keyring()
    return not isinstance(backend, keyring.backends.fail.Keyring) and backend.priority > 0


def open_store(home: Path, replicator_id: str, kind: str | None = None) -> CredentialStore:
    """The store named in the config, else the OS one when usable, else the encrypted file.
    CXM_REPLICATOR_CREDENTIALS=file|keyring forces a choice (service accounts, tests)."""
    kind = (
        kind
        or os.environ.get("CXM_REPLICATOR_CREDENTIALS")
        or ("keyring" if keyring_usable() else "file")
    )
    if kind == "keyring":
        return KeyringStore(replicator_id)
    if kind == "file":
        return EncryptedFileStore(home)
    raise ValueError(f"unknown credential store {kind!r}: use keyring or file")
