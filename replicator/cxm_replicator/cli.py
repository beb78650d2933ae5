"""`cxm-replicator init | run | status | doctor | config show`."""

import argparse
import getpass
import json
import signal
import sys
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx

from cxm_replicator import __version__, app, logs
from cxm_replicator.clock import SystemClock
from cxm_replicator.config import CXM_TOKEN, Config, default_home
from cxm_replicator.credentials import open_store
from cxm_replicator.doctor import diagnose
from cxm_replicator.http import RemoteError
from cxm_replicator.providers import PROVIDERS, create_provider, settings_of
from cxm_replicator.providers.base import AuthError, ProviderContext


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cxm-replicator", description=__doc__)
    parser.add_argument(
        "--home", type=Path, default=None, help="state folder (config, outbox, logs)"
    )
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init", help="configure: CXM, the OFD, its credentials, the registers")
    run = commands.add_parser("run", help="sync continuously (foreground; see docs for services)")
    run.add_argument("--once", action="store_true", help="one cycle, then exit (cron, tests)")
    commands.add_parser("status", help="per register: last document, lag, today, errors")
    commands.add_parser("doctor", help="check the OFD credentials and the CXM connection")
    config = commands.add_parser("config", help="show the configuration (secrets masked)")
    config.add_argument("action", choices=["show"])
    args = parser.parse_args(argv)
    home = args.home or default_home()
    handlers = {"init": _init, "run": _run, "status": _status, "doctor": _doctor, "config": _show}
    try:
        return handlers[args.command](home, args)
    except FileNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 2


# --- init -------------------------------------------------------------------------------


def _ask(prompt: str, default: str = "", secret: bool = False) -> str:
    label = f"{prompt} [{default}]: " if default and not secret else f"{prompt}: "
    if secret and sys.stdin.isatty():
        answer = getpass.getpass(label)
    else:
        print(label, end="", flush=True)
        answer = sys.stdin.readline().rstrip("\n")
    return answer.strip() or default


def _init(home: Path, args: argparse.Namespace) -> int:
    try:
        old = Config.load(home)
        replicator_id = old.replicator_id
    except FileNotFoundError:
        replicator_id = str(uuid.uuid4())
    store = open_store(home, replicator_id)
    print(f"Credentials will be kept in: {store.kind} (never in config.json, never sent to CXM)")
    cxm_url = _ask("CXM address", "http://localhost:8000")
    store.set(CXM_TOKEN, _ask("CXM replicator token (cxm_…)", secret=True))
    print("OFD providers: " + ", ".join(f"{k} — {v}" for k, v in PROVIDERS.items()))
    provider = _ask("Provider", "platforma")
    options, secrets = {}, [CXM_TOKEN]
    for setting in settings_of(provider):
        value = _ask(setting.prompt, setting.default, secret=setting.secret)
        if setting.secret:
            if value:
                store.set(app.OFD_PREFIX + setting.name, value)
                secrets.append(app.OFD_PREFIX + setting.name)
        else:
            options[setting.name] = value
    context = ProviderContext(options, lambda n: store.get(app.OFD_PREFIX + n), SystemClock())
    ofd = create_provider(provider, context)
    try:
        found = ofd.registers()
    except (AuthError, RemoteError, httpx.HTTPError) as exc:
        print(f"The OFD could not list the registers: {exc}", file=sys.stderr)
        return 1
    finally:
        ofd.close()
    print("Registers the OFD lists for this account:")
    for n, register in enumerate(found, start=1):
        print(f"  {n:3}. {register.kkt_reg_id}  {register.name}  {register.address}".rstrip())
    chosen = _ask("Which to sync (numbers separated by commas, or 'all')", "all")
    picked = found if chosen == "all" else [found[int(i) - 1] for i in chosen.split(",")]
    config = Config(
        replicator_id=replicator_id,
        cxm_url=cxm_url,
        provider=provider,
        options=options,
        secrets=secrets,
        registers=[r.kkt_reg_id for r in picked],
        credentials=store.kind,
    )
    print(f"Saved {config.save(home)}; {len(picked)} register(s). Next: cxm-replicator doctor")
    return 0


# --- run, status, doctor, config show ---------------------------------------------------


def _run(home: Path, args: argparse.Namespace) -> int:
    logs.setup(home)
    runtime = app.load(home)
    replicator = runtime.replicator()
    if args.once:
        replicator.cycle()
        return 0
    stop = threading.Event()
    for name in ("SIGTERM", "SIGINT", "SIGBREAK"):  # systemd, Ctrl+C, Windows service stop
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), lambda *_: stop.set())
    replicator.run(stop)
    return 0


def _status(home: Path, args: argparse.Namespace) -> int:
    runtime = app.load(home)
    outbox = runtime.outbox()
    now = datetime.now(UTC)
    config = runtime.config
    print(f"replicator {config.replicator_id} ({config.provider}), {now:%Y-%m-%d %H:%M} UTC")
    print(f"{'register':20} {'last document':32} {'lag':>8} {'today':>6} {'waiting':>8} errors")
    known = {s.register: s for s in outbox.statuses(now)}
    for register in runtime.config.registers:
        s = known.get(register)
        if s is None:
            print(f"{register:20} {'(not synced yet)':32}")
            continue
        lag = _duration((now - s.last_received_at).total_seconds()) if s.last_received_at else "-"
        error = f"{s.errors}: {s.last_error}" if s.errors else "0"
        document = s.last_document or "-"
        print(f"{register:20} {document:32} {lag:>8} {s.documents_today:>6} {s.pending:>8} {error}")
    n = outbox.counts()
    print(f"outbox: {n['pending']} waiting, {n['sent']} delivered, {n['rejected']} rejected")
    for at, register, ref, reason in outbox.problems(5):
        print(f"  rejected {at[:19]} {register} {ref}: {reason}")
    outbox.close()
    return 0


def _duration(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.0f} d"


def _doctor(home: Path, args: argparse.Namespace) -> int:
    results = diagnose(app.load(home))
    for ok, sentence in results:
        print(("OK    " if ok else "FAIL  ") + sentence)
    return 0 if all(ok for ok, _ in results) else 1


def _show(home: Path, args: argparse.Namespace) -> int:
    runtime = app.load(home)
    shown = runtime.config.shown(set(runtime.store.names()))
    print(json.dumps(shown, ensure_ascii=False, indent=2))
    return 0
