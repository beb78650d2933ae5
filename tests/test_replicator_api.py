"""CXM's side of the replicator: a replicator token writes only its own chain's receipts and
heartbeats, reads only the register map, and the admin lists each replicator's last word."""

import json

import pytest
from django.utils import timezone

from cxm.org.models import Role
from cxm.replication.models import Replicator
from cxm.replication.services import silent_replicators
from cxm.sales.models import Receipt
from tests.conftest import make_user
from tests.factories import bearer, count, receipt


@pytest.fixture
def replicator(chain):
    return make_user(chain, "replicator-hq", Role.REPLICATOR)


def beat(**extra) -> dict:
    return {
        "replicator_id": "2f0c8f1e-5a6b-4c1d-9e7f-000000000001",
        "version": "0.1.0",
        "provider": "platforma",
        "outbox_pending": 3,
        "registers": [
            {
                "kkt_reg_id": "0000000000000001",
                "lag_seconds": 120,
                "errors": 1,
                "last_error": "HTTP 503",
                "documents_today": 40,
            },
            {"kkt_reg_id": "0000000000000003", "lag_seconds": 900},
        ],
        **extra,
    }


def post(client, user, path, body):
    return client.post(path, json.dumps(body), content_type="application/json", **bearer(user))


def test_a_replicator_sends_receipts_of_its_chains_registers(client, replicator):
    answer = post(client, replicator, "/api/v1/imports/receipts", [receipt(1), receipt(2)])
    assert answer.status_code == 200, answer.content
    assert Receipt.objects.count() == 2


def test_a_replicator_cannot_write_another_chains_register(client, replicator):
    from cxm.org.models import Chain, Region, Register, Store

    other = Chain.objects.create(code="other", name="Чужая сеть")
    store = Store.objects.create(
        chain=other, region=Region.objects.create(chain=other, name="Запад"), code="OTH-1"
    )
    Register.objects.create(kkt_reg_id="0000000000000099", store=store)
    answer = post(client, replicator, "/api/v1/imports/receipts", [receipt(7, "0000000000000099")])
    assert answer.status_code == 422
    assert "not mapped" in answer.json()["rejections"][0]["message"]
    assert not Receipt.objects.filter(store__chain=Chain.objects.get(code="other")).exists()


@pytest.mark.parametrize("kind,body", [("traffic", [count()]), ("stores", [{"code": "X"}])])
def test_a_replicator_sends_nothing_but_receipts(client, replicator, kind, body):
    assert post(client, replicator, f"/api/v1/imports/{kind}", body).status_code == 403


def test_a_replicator_reads_no_figures(client, replicator):
    assert client.get("/api/v1/stores", **bearer(replicator)).json() == []


def test_a_replicator_reads_its_chains_register_map(client, replicator):
    rows = client.get("/api/v1/registers", **bearer(replicator)).json()
    assert {r["kkt_reg_id"]: r["timezone"] for r in rows} == {
        "0000000000000001": "Europe/Moscow",
        "0000000000000002": "Europe/Moscow",
        "0000000000000003": "Asia/Novosibirsk",
    }


@pytest.mark.parametrize("who", ["analyst", "manager", "seller"])
def test_others_may_not_see_the_register_map_or_beat(client, personas, who):
    user = personas[who]
    assert client.get("/api/v1/registers", **bearer(user)).status_code == 403
    assert post(client, user, "/api/v1/replicators/heartbeat", beat()).status_code == 403


def test_another_chains_admin_sees_none_of_our_registers(client, personas):
    assert client.get("/api/v1/registers", **bearer(personas["outsider"])).json() == []


def test_a_heartbeat_is_recorded_once_per_installation(client, replicator):
    assert post(client, replicator, "/api/v1/replicators/heartbeat", beat()).status_code == 200
    assert (
        post(client, replicator, "/api/v1/replicators/heartbeat", beat(version="0.2.0")).status_code
        == 200
    )
    (row,) = Replicator.objects.all()
    assert (row.version, row.lag_seconds, row.errors, row.outbox_pending) == ("0.2.0", 900, 1, 3)
    assert row.reported_by == "replicator-hq"


def test_a_heartbeat_drops_registers_of_other_chains(client, replicator):
    foreign = {"kkt_reg_id": "7777777777777777", "lag_seconds": 99999}
    body = beat(registers=[*beat()["registers"], foreign])
    post(client, replicator, "/api/v1/replicators/heartbeat", body)
    row = Replicator.objects.get()
    assert "7777777777777777" not in {r["kkt_reg_id"] for r in row.registers}
    assert row.lag_seconds == 900


def test_a_silent_replicator_is_found(client, replicator):
    post(client, replicator, "/api/v1/replicators/heartbeat", beat())
    assert not silent_replicators().exists()
    later = timezone.now() + timezone.timedelta(hours=1)
    assert list(silent_replicators(later).values_list("reported_by", flat=True)) == [
        "replicator-hq"
    ]


def test_the_admin_lists_replicators_with_version_and_lag(client, replicator, django_user_model):
    post(client, replicator, "/api/v1/replicators/heartbeat", beat())
    root = django_user_model.objects.create_superuser("root", password="pw-root")
    client.force_login(root)
    page = client.get("/admin/replication/replicator/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "replicator-hq" in text and "0.1.0" in text and "15 min" in text
    # The last heartbeat is a column of its own, and a fresh one is not flagged silent.
    assert 'class="field-last_heartbeat nowrap"' in text
    assert 'class="field-silent"><img src="/static/admin/img/icon-no.svg" alt="False"' in text
    Replicator.objects.update(last_heartbeat=timezone.now() - timezone.timedelta(hours=2))
    text = client.get("/admin/replication/replicator/").content.decode()
    assert 'class="field-silent"><img src="/static/admin/img/icon-yes.svg" alt="True"' in text


def test_another_chain_cannot_take_over_a_replicators_row(client, replicator, personas):
    post(client, replicator, "/api/v1/replicators/heartbeat", beat())
    answer = post(client, personas["outsider"], "/api/v1/replicators/heartbeat", beat())
    assert answer.status_code == 200
    mine = Replicator.objects.get(chain__code=replicator.membership.chain.code)
    assert mine.reported_by == "replicator-hq" and mine.lag_seconds == 900


def test_a_silent_replicator_opens_one_incident_and_a_fresh_beat_none(client, replicator):
    from cxm.incidents.models import Incident, RuleKind
    from cxm.incidents.services import evaluate_chain
    from cxm.org.models import Register

    chain = replicator.membership.chain
    post(client, replicator, "/api/v1/replicators/heartbeat", beat())
    now = timezone.now()
    assert evaluate_chain(chain, now + timezone.timedelta(minutes=5))["opened"] == 0
    assert not Incident.objects.exists()  # a fresh heartbeat is no incident

    later = now + timezone.timedelta(minutes=45)  # past the 30 minutes of silence
    assert evaluate_chain(chain, later)["opened"] == 1
    incident = Incident.objects.get()
    assert incident.rule.kind == RuleKind.REPLICATOR_SILENT
    assert incident.key == "replicator:2f0c8f1e-5a6b-4c1d-9e7f-000000000001"
    first = min(
        Register.objects.filter(kkt_reg_id__in=["0000000000000001", "0000000000000003"]),
        key=lambda r: r.store.code,
    )
    assert incident.store == first.store  # the first of the stores it syncs
    assert "replicator-hq" in incident.title and "0.1.0" in incident.detail
    # Still silent an hour on: the same incident, not a second one.
    tally = evaluate_chain(chain, later + timezone.timedelta(hours=1))
    assert (tally["opened"], tally["joined"]) == (0, 1)
    assert Incident.objects.count() == 1

    # It speaks again: the incident closes itself, and nothing new opens.
    post(client, replicator, "/api/v1/replicators/heartbeat", beat())
    tally = evaluate_chain(chain, timezone.now() + timezone.timedelta(minutes=1))
    assert (tally["opened"], tally["recovered"]) == (0, 1)
    incident.refresh_from_db()
    assert not incident.is_open
