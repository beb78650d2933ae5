from django.core.management.base import BaseCommand

from cxm.incidents.tasks import enqueue_once, tick


class Command(BaseCommand):
    help = (
        "Start the organizer's periodic tick in the task worker (rules, escalation, digests "
        "every CXM_ORGANIZER_TICK_SECONDS); harmless when it already runs. --now runs one "
        "tick here instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="run one tick in this process")

    def handle(self, now: bool, **options):
        if now:
            self.stdout.write(str(tick.call()))
            return
        enqueue_once(tick)
        self.stdout.write("The organizer's tick is queued; `cxm db_worker` runs it.")
