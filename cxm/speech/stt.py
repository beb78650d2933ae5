"""An optional local speech-to-text adapter: audio files into `transcripts` records, with
Vosk or faster-whisper and a model the user has put on the machine. Nothing is downloaded:
without the engine or the model it says so and stops."""

import json
import wave
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

ENGINES = ("vosk", "faster-whisper")


class SpeechToTextUnavailable(RuntimeError):
    """The engine or its model is not on this machine."""


@dataclass(frozen=True)
class Word:
    w: str
    start: float  # seconds from the recording's start
    end: float


def check_model(engine: str, model: Path) -> None:
    if engine not in ENGINES:
        raise SpeechToTextUnavailable(f"unknown engine {engine!r}; one of {', '.join(ENGINES)}")
    if not model.is_dir():
        raise SpeechToTextUnavailable(
            f"no {engine} model at {model}: CXM downloads nothing. Put a Russian model on this "
            "machine yourself (Vosk: a model folder such as vosk-model-small-ru; faster-whisper: "
            "a CTranslate2 model folder) and pass its folder with --model."
        )


def transcribe(audio: Path, engine: str, model: Path) -> list[Word]:
    """The words heard in one audio file, with their times."""
    check_model(engine, model)
    if not audio.is_file():
        raise SpeechToTextUnavailable(f"no audio file {audio}")
    return _vosk(audio, model) if engine == "vosk" else _faster_whisper(audio, model)


def _vosk(audio: Path, model: Path) -> list[Word]:
    try:
        import vosk
    except ImportError:
        raise SpeechToTextUnavailable("Vosk is not installed: pip install vosk") from None
    words: list[Word] = []
    with wave.open(str(audio), "rb") as sound:
        if sound.getnchannels() != 1 or sound.getsampwidth() != 2:
            raise SpeechToTextUnavailable(f"{audio}: Vosk needs 16-bit mono WAV")
        recognizer = vosk.KaldiRecognizer(vosk.Model(str(model)), sound.getframerate())
        recognizer.SetWords(True)
        while data := sound.readframes(4000):
            if recognizer.AcceptWaveform(data):
                words += _vosk_words(recognizer.Result())
        words += _vosk_words(recognizer.FinalResult())
    return words


def _vosk_words(result: str) -> list[Word]:
    return [Word(r["word"], r["start"], r["end"]) for r in json.loads(result).get("result", [])]


def _faster_whisper(audio: Path, model: Path) -> list[Word]:
    try:
        from faster_whisper import WhisperModel
    except ImportError:
        raise SpeechToTextUnavailable(
            "faster-whisper is not installed: pip install faster-whisper"
        ) from None
    engine = WhisperModel(str(model), device="cpu", compute_type="int8", local_files_only=True)
    segments, _ = engine.transcribe(str(audio), language="ru", word_timestamps=True)
    return [Word(w.word.strip(), w.start, w.end) for s in segments for w in s.words or []]


def transcript_record(
    code: str, store: str, seller: str, started_at: datetime, words: list[Word]
) -> dict:
    """A `transcripts` contract record of the words heard."""
    duration = max((w.end for w in words), default=0.0)
    return {
        "id": code,
        "store": store,
        "seller": seller,
        "started_at": started_at.isoformat(),
        "ended_at": (started_at + timedelta(seconds=duration)).isoformat(),
        "text": " ".join(w.w for w in words),
        "words": [{"w": w.w, "start": w.start, "end": w.end} for w in words],
    }
