"""The `transcripts` and `emotions` import kinds through `cxm import` and the API: bad
records rejected by position and field with the good ones kept (speaker turns included),
re-sending harmless, turns heard speaker by speaker, and a store manager limited to their
own stores."""

import json

import pytest
from django.core.management import call_command

from cxm.emotions.models import EmotionObservation
from cxm.speech.models import Transcript
from tests.factories import bearer


def transcript(tid, start="10:00:00", end="10:05:00", seller="MSK-1-S1", **extra):
    return {
        "id": tid,
        "store": "MSK-1",
        "seller": seller,
        "started_at": f"2026-03-02T{start}+03:00",
        "ended_at": f"2026-03-02T{end}+03:00",
        "text": "Здравствуйте! Давайте подберём к нему чехол.",
        **extra,
    }


def _post(client, kind, body, user):
    return client.post(
        f"/api/v1/imports/{kind}", json.dumps(body), content_type="application/json", **bearer(user)
    )


def test_bad_transcripts_are_rejected_by_field_and_the_good_ones_kept(client, personas):
    words = [{"w": "чехол", "start": 1.0, "end": 1.4}, {"w": "нужен", "end": 2.0}]
    body = [
        transcript("ok"),
        transcript("empty", "11:00:00", "11:01:00", text="  "),
        transcript("untimed", "12:00:00", "12:01:00", text="", words=words),
        transcript("who", "13:00:00", "13:01:00", seller="NOBODY"),
        transcript("overlap", "10:04:00", "10:08:00"),
        transcript("backwards", "14:00:00", "13:00:00"),
        transcript("tied", "15:00:00", "15:01:00", consultation="no-such"),
        transcript("late", "15:00:00", "15:01:00", words=[{"w": "да", "start": 0, "end": 99}]),
    ]
    response = _post(client, "transcripts", body, personas["admin"])
    assert response.status_code == 422
    answer = response.json()
    assert answer["accepted"] == 1
    assert [(r["position"], r["field"]) for r in answer["rejections"]] == [
        ("item 2", "text"),
        ("item 3", "words[1].start"),
        ("item 4", "seller"),
        ("item 6", "ended_at"),
        ("item 7", "consultation"),
        ("item 8", "words[0].end"),
        ("item 5", "started_at"),
    ]
    messages = {r["position"]: r["message"] for r in answer["rejections"]}
    assert "is empty" in messages["item 2"]
    assert "overlaps transcript 'ok' of the same seller" in messages["item 5"]
    assert list(Transcript.objects.values_list("code", flat=True)) == ["ok"]
    # Heard on arrival: the phone offer.
    assert "Смартфоны" in Transcript.objects.get(code="ok").offered


def _turn(speaker, text, **times):
    return {"speaker": speaker, "text": text, **times}


def test_turns_make_the_text_and_are_heard_speaker_by_speaker(client, personas):
    turns = [
        _turn("seller", "Здравствуйте! Для каких задач выбираете?", start=0, end=3),
        _turn("customer", "Для работы. А чехол к нему есть?", start=4, end=7),
        _turn("seller", "Давайте подберём к нему чехол.", start=8),
        _turn("Customer ", "Нет, чехол не нужен. Дороговато."),
    ]
    body = [transcript("d", text=None, turns=turns)]
    assert _post(client, "transcripts", body, personas["admin"]).json()["accepted"] == 1
    row = Transcript.objects.get(code="d")
    assert row.text.split("\n") == [t["text"] for t in turns]
    assert [(s, row.text[a:b], at) for s, a, b, at in row.turns] == [
        ("seller", turns[0]["text"], 0),
        ("customer", turns[1]["text"], 4),
        ("seller", turns[2]["text"], 8),
        ("customer", turns[3]["text"], None),
    ]
    # The seller's offer and opening count; the customer's «чехол не нужен» is no wrong form
    # of the seller's, and their question no offer; their «дороговато» is a reason.
    assert "Смартфоны" in row.offered and row.opening and not row.wrong_form
    assert row.leave_reasons == ["price"]
    speakers = {(m["kind"], m["speaker"]) for m in row.marks}
    assert ("cross_sell", "customer") not in speakers and ("cross_sell", "seller") in speakers


def test_bad_turns_are_rejected_by_field_and_the_good_ones_kept(client, personas):
    ok = [_turn("seller", "Возьмите чехол."), _turn("customer", "Хорошо.")]
    body = [
        transcript("ok", text=None, turns=ok),
        transcript("who", "11:00:00", "11:01:00", text=None, turns=[_turn("SPEAKER_01", "Да.")]),
        transcript("mute", "12:00:00", "12:01:00", text=None, turns=[_turn("seller", " ")]),
        transcript("shape", "13:00:00", "13:01:00", turns="seller: да"),
        transcript("late", "14:00:00", "14:01:00", turns=[_turn("seller", "Да.", start=9, end=5)]),
        transcript("far", "14:30:00", "14:31:00", turns=[_turn("seller", "Да.", start=300)]),
        transcript("both", "15:00:00", "15:01:00", text="Что-то другое.", turns=ok),
        transcript("same", "16:00:00", "16:01:00", text="Возьмите чехол. Хорошо.", turns=ok),
        transcript("nobody", "17:00:00", "17:01:00", turns=[{"text": "Да."}]),
    ]
    answer = _post(client, "transcripts", body, personas["admin"]).json()
    assert answer["accepted"] == 2
    assert [(r["position"], r["field"]) for r in answer["rejections"]] == [
        ("item 2", "turns[0].speaker"),
        ("item 3", "turns[0].text"),
        ("item 4", "turns"),
        ("item 5", "turns[0].end"),
        ("item 6", "turns[0].start"),
        ("item 7", "text"),
        ("item 9", "turns[0].speaker"),
    ]
    messages = {r["position"]: r["message"] for r in answer["rejections"]}
    assert "unknown speaker 'SPEAKER_01'" in messages["item 2"]
    assert "seller or customer" in messages["item 2"]
    assert "differs from the turns' text" in messages["item 7"]
    assert set(Transcript.objects.values_list("code", flat=True)) == {"ok", "same"}


def test_resending_is_harmless_and_words_alone_make_the_text(client, personas):
    words = [
        {"w": w, "start": i, "end": i + 0.5}
        for i, w in enumerate(["для", "каких", "задач", "выбираете"])
    ]
    body = [transcript("a"), transcript("b", "11:00:00", "11:01:00", text=None, words=words)]
    assert _post(client, "transcripts", body, personas["admin"]).json()["accepted"] == 2
    again = _post(client, "transcripts", body, personas["admin"]).json()
    assert (again["accepted"], again["duplicates"], again["rejected"]) == (0, 2, 0)
    b = Transcript.objects.get(code="b")
    assert b.text == "для каких задач выбираете" and b.opening and b.word_times == [0, 1, 2, 3]


def test_a_store_manager_sends_their_own_stores_transcripts_only(client, personas):
    other = transcript("x") | {"store": "MSK-1"}
    response = _post(client, "transcripts", [other], personas["manager"])
    assert response.status_code == 403 and not Transcript.objects.exists()
    own = transcript("y", seller="MSK-2-S1") | {"store": "MSK-2"}
    assert _post(client, "transcripts", [own], personas["manager"]).status_code == 200


def test_cxm_import_reads_transcripts_and_emotions_from_files(chain, tmp_path, capsys):
    path = tmp_path / "transcripts.jsonl"
    path.write_text(
        json.dumps(transcript("f1"), ensure_ascii=False)
        + "\n"
        + json.dumps(transcript("f2", seller="NOBODY"))
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(SystemExit) as exited:
        call_command("import", "transcripts", str(path))
    assert exited.value.code == 1
    out = capsys.readouterr()
    assert "line 2, seller: unknown seller 'NOBODY'" in out.out + out.err
    emotions = tmp_path / "emotions.csv"
    emotions.write_text(
        "id,store,seller,at,subject,emotion,smile\n"
        "e1,MSK-1,MSK-1-S1,2026-03-02T10:00:00+03:00,seller,neutral,0.8\n"
        "e2,MSK-1,,2026-03-02T10:00:00+03:00,customer,happy,\n",
        encoding="utf-8",
    )
    call_command("import", "emotions", str(emotions))
    assert dict(EmotionObservation.objects.values_list("code", "smiling")) == {
        "e1": True,  # the smile score decides when given
        "e2": True,
    }


def test_bad_emotions_are_rejected_by_field(client, personas):
    def observation(eid, **extra):
        base = {"id": eid, "store": "MSK-1", "at": "2026-03-02T10:00:00+03:00"}
        return base | {"subject": "seller", "emotion": "happy", "seller": "MSK-1-S1"} | extra

    body = [
        observation("ok"),
        observation("mood", emotion="bored"),
        observation("who", subject="cashier"),
        observation("score", smile=1.5),
        observation("seller", seller="NOBODY"),
        observation("when", at="soon"),
    ]
    answer = _post(client, "emotions", body, personas["admin"]).json()
    assert answer["accepted"] == 1
    assert [(r["position"], r["field"]) for r in answer["rejections"]] == [
        ("item 2", "emotion"),
        ("item 3", "subject"),
        ("item 4", "smile"),
        ("item 5", "seller"),
        ("item 6", "at"),
    ]
    again = _post(client, "emotions", [observation("ok")], personas["admin"]).json()
    assert again["duplicates"] == 1
