from django.core.management.base import BaseCommand

from cxm.org.cli import operator_chain
from cxm.speech.analysis import reanalyse


class Command(BaseCommand):
    help = "Analyse again the transcripts heard under other speech rules than the current."

    def add_arguments(self, parser):
        parser.add_argument("--chain", help="chain code (default: the only chain)")

    def handle(self, chain=None, **options):
        count = reanalyse(operator_chain(chain))
        self.stdout.write(f"transcripts analysed again: {count}")
