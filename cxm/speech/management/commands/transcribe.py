import json
from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cxm.speech.stt import ENGINES, SpeechToTextUnavailable, transcribe, transcript_record


class Command(BaseCommand):
    help = (
        "Turn audio files into `transcripts` records (JSON Lines on standard output) with a "
        "local Vosk or faster-whisper model; import them with `cxm import transcripts FILE`."
    )

    def add_arguments(self, parser):
        parser.add_argument("audio", nargs="+", type=Path)
        parser.add_argument("--engine", choices=ENGINES, default="vosk")
        parser.add_argument("--model", type=Path, required=True, help="the model's folder")
        parser.add_argument("--store", required=True)
        parser.add_argument("--seller", required=True)
        parser.add_argument(
            "--started-at",
            type=datetime.fromisoformat,
            required=True,
            help="ISO time the (first) recording started; a file's `id` is its name",
        )

    def handle(self, audio, engine, model, store, seller, started_at, **options):
        for path in audio:
            try:
                words = transcribe(path, engine, model)
            except SpeechToTextUnavailable as exc:
                raise CommandError(str(exc)) from None
            record = transcript_record(path.stem, store, seller, started_at, words)
            self.stdout.write(json.dumps(record, ensure_ascii=False))
