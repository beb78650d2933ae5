import json
from pathlib import Path

from django.core.management.base import BaseCommand

from cxm.demo.loading import load_simulation
from cxm.demo.simulator import SimulationConfig, simulate_chain, write_contract_files
from cxm.org.cli import operator_chain


class Command(BaseCommand):
    help = "Simulate a retail chain: write contract files (--out) or import it into the database."

    def add_arguments(self, parser):
        parser.add_argument("--stores", type=int, default=12)
        parser.add_argument("--sellers", type=int, default=5, help="sellers per store")
        parser.add_argument("--days", type=int, default=120)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--end", help="last simulated day, YYYY-MM-DD (default: yesterday)")
        parser.add_argument("--out", type=Path, help="write JSON Lines files here instead")
        parser.add_argument("--chain", help="chain code (default: the only chain)")

    def handle(self, stores, sellers, days, seed, end, out, chain, **options):
        from datetime import date

        config = SimulationConfig(
            stores=stores,
            sellers_per_store=sellers,
            days=days,
            seed=seed,
            end_date=date.fromisoformat(end) if end else None,
        )
        if out:
            simulated = simulate_chain(config)
            paths = write_contract_files(simulated, out)
            for kind, path in paths.items():
                self.stdout.write(f"{kind}: {path}")
            return
        _, _, results = load_simulation(config, operator_chain(chain), progress=self.stdout.write)
        if any(r.rejected for r in results.values()):
            for result in results.values():
                for rejection in result.rejected[:20]:
                    self.stderr.write(f"{result.kind}: {rejection}")
            raise SystemExit(1)
        self.stdout.write(json.dumps({k: r.accepted for k, r in results.items()}))
