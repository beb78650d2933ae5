"""The optional speech-to-text adapter says plainly what is missing and downloads nothing;
the words an engine returns become a valid `transcripts` record."""

from datetime import datetime
from importlib.util import find_spec
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from cxm.imports.records import read_payload
from cxm.imports.registry import run_import
from cxm.speech.stt import Word, transcript_record


def test_without_a_model_it_says_so_plainly(tmp_path):
    audio = tmp_path / "rec-1.wav"
    audio.write_bytes(b"")
    with pytest.raises(CommandError, match="no vosk model at .*CXM downloads nothing"):
        call_command(
            "transcribe", str(audio), "--model", str(tmp_path / "missing"), "--store", "MSK-1",
            "--seller", "MSK-1-S1", "--started-at", "2026-03-02T10:00:00+03:00",
        )  # fmt: skip


@pytest.mark.skipif(find_spec("faster_whisper") is not None, reason="faster-whisper installed")
def test_without_the_engine_it_names_the_package(tmp_path):
    audio = tmp_path / "rec-1.wav"
    audio.write_bytes(b"")
    with pytest.raises(CommandError, match="faster-whisper is not installed"):
        call_command(
            "transcribe", str(audio), "--engine", "faster-whisper", "--model", str(tmp_path),
            "--store", "MSK-1", "--seller", "MSK-1-S1", "--started-at", "2026-03-02T10:00:00",
        )  # fmt: skip


def test_the_words_heard_make_a_transcript_the_import_accepts(chain):
    words = [Word("давайте", 0.5, 0.9), Word("подберём", 1.0, 1.5), Word("чехол", 1.6, 2.0)]
    start = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    record = transcript_record("rec-1", "MSK-1", "MSK-1-S1", start, words)
    assert record["ended_at"] == "2026-03-02T10:00:02+03:00"
    result = run_import("transcripts", chain, read_payload([record]))
    assert result.accepted == 1 and not result.rejected
