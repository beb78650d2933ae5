"""Managing API tokens: `cxm token create|list|revoke` and the caller's own /tokens."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cxm.org.models import ApiToken, hash_token
from tests.factories import bearer


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_create_prints_the_raw_token_once_and_stores_only_its_hash(client, personas):
    raw, note = run("create", "manager", "replicator MSK-2")
    assert raw.startswith("cxm_")
    token = ApiToken.objects.get()
    assert token.key_hash == hash_token(raw)
    assert "cannot be shown again" in note
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_list_shows_prefixes_never_the_token_or_its_hash(personas):
    raw, _ = run("create", "admin", "replicator")
    listing, _ = run("list", "admin")
    token = ApiToken.objects.get()
    assert token.prefix in listing
    assert "replicator" in listing
    assert raw not in listing
    assert token.key_hash not in listing


def test_revoke_by_prefix_locks_the_token_out(client, personas):
    raw, _ = run("create", "admin", "replicator")
    out, _ = run("revoke", "cxm_" + ApiToken.objects.get().prefix)  # may start with "-"
    assert "Revoked" in out
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert "revoked" in run("list", "admin")[0]


def test_rotate_replaces_the_token_and_locks_the_old_one_out(client, personas):
    old, _ = run("create", "admin", "replicator")
    new, note = run("rotate", "cxm_" + ApiToken.objects.get().prefix)
    assert new.startswith("cxm_") and new != old and "cannot be shown again" in note
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {old}").status_code == 401
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {new}").status_code == 200
    assert ApiToken.objects.get(key_hash=hash_token(new)).name == "replicator"


@pytest.mark.parametrize(
    "args",
    [
        ("rotate", "zzzzzzzz"),
        ("create", "nobody", "x"),
        ("create", "admin", "  "),
        ("revoke", "zzzzzzzz"),
        ("list", "x"),
    ],
)
def test_bad_token_commands_fail_with_a_message(personas, args):
    with pytest.raises(CommandError):
        run(*args)


def test_the_api_lists_my_tokens_only_by_prefix(client, personas):
    headers = bearer(personas["analyst"])
    bearer(personas["admin"])
    response = client.get("/api/v1/tokens", **headers)
    assert response.status_code == 200
    (mine,) = response.json()
    assert set(mine) == {"prefix", "name", "created_at", "last_used_at", "revoked_at"}


def test_a_browser_session_creates_a_token_shown_once(client, personas):
    client.force_login(personas["analyst"])
    response = client.post("/api/v1/tokens", {"name": "excel"}, content_type="application/json")
    assert response.status_code == 201
    raw = response.json()["token"]
    assert ApiToken.objects.get(user=personas["analyst"]).key_hash == hash_token(raw)


def test_a_token_cannot_create_more_tokens(client, personas):
    response = client.post(
        "/api/v1/tokens",
        {"name": "x"},
        content_type="application/json",
        **bearer(personas["admin"]),
    )
    assert response.status_code == 401
    assert ApiToken.objects.count() == 1


def test_i_can_revoke_my_token_but_not_someone_elses(client, personas):
    other, _ = ApiToken.issue(personas["admin"], "theirs")
    headers = bearer(personas["analyst"])
    assert client.delete(f"/api/v1/tokens/{other.prefix}", **headers).status_code == 404
    mine = ApiToken.objects.get(user=personas["analyst"])
    response = client.delete(f"/api/v1/tokens/{mine.prefix}", **headers)
    assert response.status_code == 200
    assert response.json()["revoked_at"]
    assert ApiToken.objects.get(pk=other.pk).revoked_at is None
