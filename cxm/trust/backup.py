"""Backups with the databases' own tools: SQLite's online backup API (a consistent copy while
the server runs) and PostgreSQL's pg_dump/pg_restore in custom format."""

import hashlib
import os
import sqlite3
import subprocess
from pathlib import Path

from django.db import connection


class BackupError(RuntimeError):
    pass


def backup(path: Path) -> None:
    if connection.vendor == "sqlite":
        with sqlite3.connect(path) as target:
            _raw().backup(target)
        target.close()
    elif connection.vendor == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={path}"])
    else:
        raise BackupError(f"no backup for the {connection.vendor} database")


def restore(path: Path) -> None:
    """Replaces the database's contents with the backup's."""
    if not path.is_file():
        raise BackupError(f"{path}: no such backup file")
    if connection.vendor == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            source.backup(_raw())
        finally:
            source.close()
    elif connection.vendor == "postgresql":
        connection.close()  # pg_restore drops tables this process may hold open
        name = connection.settings_dict["NAME"]
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={name}",
                str(path),
            ]
        )
    else:
        raise BackupError(f"no restore for the {connection.vendor} database")


def fingerprint() -> dict[str, tuple[int, str]]:
    """Each table's row count and a SHA-256 over its rows in primary-key order: two databases
    with equal fingerprints hold the same data."""
    result = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            name = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {name} ORDER BY 1")  # noqa: S608 - introspected name
            digest = hashlib.sha256()
            count = 0
            for row in cursor.fetchall():
                digest.update(repr(row).encode())
                count += 1
            result[table] = (count, digest.hexdigest())
    return result


def _raw() -> sqlite3.Connection:
    connection.ensure_connection()
    return connection.connection


def _run(command: list[str]) -> None:
    try:
        done = subprocess.run(command, env=_libpq_env(), capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise BackupError(f"{command[0]} not found: install the postgresql-client package") from exc
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()}")


def _libpq_env() -> dict[str, str]:
    """The connection in libpq's environment variables: the password stays off the command
    line (where `ps` would show it)."""
    db = connection.settings_dict
    env = {
        "PGDATABASE": db["NAME"],
        "PGHOST": db.get("HOST") or "",
        "PGPORT": str(db.get("PORT") or ""),
        "PGUSER": db.get("USER") or "",
        "PGPASSWORD": db.get("PASSWORD") or "",
    }
    return {**os.environ, **{k: v for k, v in env.items() if v}}
