"""/me, /stores and /sellers: each persona sees its own part of the chain."""

import pytest

from tests.factories import bearer

EXPECTED = {
    # persona: (role, stores, sellers)
    "admin": (
        "chain_admin",
        ["MSK-1", "MSK-2", "NSK-1"],
        ["MSK-1-S1", "MSK-1-S2", "MSK-2-S1", "NSK-1-S1"],
    ),
    "analyst": (
        "analyst",
        ["MSK-1", "MSK-2", "NSK-1"],
        ["MSK-1-S1", "MSK-1-S2", "MSK-2-S1", "NSK-1-S1"],
    ),
    "regional": ("regional_manager", ["NSK-1"], ["NSK-1-S1"]),
    "manager": ("store_manager", ["MSK-2"], ["MSK-2-S1"]),
    "seller": ("seller", ["MSK-1"], ["MSK-1-S1"]),
    "outsider": ("chain_admin", ["OTH-1"], []),
}


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_each_persona_sees_its_scope(client, personas, persona):
    role, stores, sellers = EXPECTED[persona]
    headers = bearer(personas[persona])
    me = client.get("/api/v1/me", **headers).json()
    assert (me["username"], me["role"], me["scope"]["stores"]) == (persona, role, stores)
    assert [s["code"] for s in client.get("/api/v1/stores", **headers).json()] == stores
    assert [s["code"] for s in client.get("/api/v1/sellers", **headers).json()] == sellers


def test_stores_carry_region_and_time_zone(client, personas):
    (nsk,) = client.get("/api/v1/stores", **bearer(personas["regional"])).json()
    assert (nsk["region"], nsk["timezone"]) == ("Сибирь", "Asia/Novosibirsk")


def test_sellers_can_be_narrowed_to_a_store(client, personas):
    response = client.get("/api/v1/sellers", {"store": "MSK-1"}, **bearer(personas["admin"]))
    assert [s["code"] for s in response.json()] == ["MSK-1-S1", "MSK-1-S2"]
    assert response.json()[0]["store"] == "MSK-1"


def test_the_openapi_schema_documents_every_route_with_tags(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("tags"), f"{method.upper()} {path} has no tag"
            assert operation.get("security"), f"{method.upper()} {path} needs no auth?"
    assert "/api/v1/imports/{kind}" in schema["paths"]
    assert "/api/v1/reports/{name}" in schema["paths"]
