import argparse
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from waitress import serve

from cxm.demo.loading import create_demo_users, load_simulation
from cxm.demo.simulator import SimulationConfig
from cxm.wsgi import application


class Command(BaseCommand):
    help = "Run the living demo: a fresh database, a simulated chain, the web server and worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("CXM_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("CXM_PORT", "8000")))
        parser.add_argument("--stores", type=int, default=12)
        parser.add_argument("--days", type=int, default=120)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--password", help="demo users' password (default: random)")
        parser.add_argument("--no-serve", action="store_true", help="prepare the database and stop")
        # Added by `cxm demo` when the database is the demo's own SQLite file (cxm/cli.py).
        parser.add_argument("--own-database", action="store_true", help=argparse.SUPPRESS)

    def handle(self, host, port, stores, days, seed, password, no_serve, own_database, **options):
        say = self.stdout.write
        say(f"Database: {settings.DATABASES['default']['NAME']}")
        if own_database:
            _empty_sqlite_database()
        call_command("migrate", verbosity=0)
        config = SimulationConfig(stores=stores, days=days, seed=seed)
        chain, _, _ = load_simulation(config, progress=say)
        password, usernames = create_demo_users(chain, password)
        if no_serve:
            self._print_login(None, usernames, password)
            return
        worker = subprocess.Popen(
            [sys.executable, "-m", "cxm", "db_worker", "--interval", "2"], env=os.environ.copy()
        )
        try:
            self._print_login(f"http://{host}:{port}/", usernames, password)
            serve(application, host=host, port=port, threads=8, _quiet=True)
        finally:
            worker.terminate()
            worker.wait(timeout=10)

    def _print_login(self, url: str | None, usernames: list[str], password: str) -> None:
        """The logins; `url` None: the database was only prepared (--no-serve)."""
        state = f"is running at {url} " if url else "database is ready"
        self.stdout.write(self.style.SUCCESS(f"\nCXM demo {state} (today: {date.today()})"))
        self.stdout.write(f"Log in as {usernames[0]} / {password}")
        self.stdout.write(f"Other roles, same password: {', '.join(usernames[1:])}")
        if url:
            self.stdout.write("Press Ctrl+C to stop.\n")


def _empty_sqlite_database() -> None:
    """A fresh start for every demo run: remove the demo's own SQLite file and its journals."""
    connection.close()
    name = Path(settings.DATABASES["default"]["NAME"])
    for path in (name, name.with_name(name.name + "-wal"), name.with_name(name.name + "-shm")):
        path.unlink(missing_ok=True)
