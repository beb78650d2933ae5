"""Every API route and every page, called as every persona, refuses the anonymous, answers
exactly the personas its sample allows (a 2xx; everyone else a 4xx) and shows no one what
lies outside their scope.

Routes are discovered, not listed: API routes from the OpenAPI schema, pages from the URL
conf. A route with path parameters needs a sample below; a new route (or a new import kind
or report name) without one fails this test, so no endpoint escapes it.
"""

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cxm.api.urls import api
from tests.factories import bearer, count, receipt

PERSONAS = ["anonymous", "admin", "analyst", "regional", "manager", "seller", "outsider"]

STORES = {"MSK-1", "MSK-2", "NSK-1", "OTH-1"}
SELLERS = {"MSK-1-S1", "MSK-1-S2", "MSK-2-S1", "NSK-1-S1"}
# What each persona may see; every other store or seller code must never reach them.
VISIBLE = {
    "admin": {"MSK-1", "MSK-2", "NSK-1"} | SELLERS,
    "analyst": {"MSK-1", "MSK-2", "NSK-1"} | SELLERS,
    "regional": {"NSK-1", "NSK-1-S1"},
    "manager": {"MSK-2", "MSK-2-S1"},
    "seller": {"MSK-1", "MSK-1-S1"},
    "outsider": {"OTH-1"},
}
CODE = re.compile(r"(?:MSK|NSK|OTH)-\d(?:-S\d)?")

# Who may use a route (a 2xx answer, scoped); each other persona gets a 4xx. The outsider is
# the chain admin of another chain: in their own chain they may what an admin may.
EVERYONE = frozenset(PERSONAS) - {"anonymous"}
NOBODY: frozenset[str] = frozenset()
ADMINS = frozenset({"admin", "outsider"})
STORE_MANAGERS = ADMINS | {"regional", "manager"}
IMPORTERS = frozenset({"admin"})  # of MSK-1's data: the outsider's chain has no MSK-1


# --- samples: how to call each route ---


@dataclass(frozen=True)
class Call:
    path: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    body: Any = None
    label: str = ""
    allowed: frozenset[str] = EVERYONE
    # False: a browser-session door; user tokens get a 401 whoever holds them.
    by_token: bool = True


WEEK = {"from": "2026-03-02", "to": "2026-03-08"}
# Receipts by register only: the caller never names a store, so any store code in the
# answer is something the server revealed.
RECEIPTS = [
    receipt(901, "0000000000000001"),
    receipt(902, "0000000000000002"),
    receipt(903, "0000000000000003"),
]

# Speech analytics and emotion monitoring: one record of MSK-1 each.
SPEECH = {
    "id": "access-t1",
    "store": "MSK-1",
    "seller": "MSK-1-S1",
    "started_at": "2026-03-02T10:00:00+03:00",
    "ended_at": "2026-03-02T10:05:00+03:00",
    "text": "Давайте подберём к нему чехол",
}
# A consultation and a checklist of MSK-1 (the template is unknown here: a rejection).
CONSULTATION = {
    "id": "access-c1",
    "store": "MSK-1",
    "seller": "MSK-1-S1",
    "started_at": "2026-03-02T10:00:00+03:00",
}
CHECKLIST = {
    "id": "access-k1",
    "store": "MSK-1",
    "seller": "MSK-1-S1",
    "at": "2026-03-02T12:00:00+03:00",
    "template": "standard",
    "answers": {"greet": "yes"},
}
PRESS = {"id": "access-p1", "store": "MSK-1", "at": "2026-03-02T10:00:00+03:00", "button": "bad"}
ANSWER = {
    "id": "access-a1",
    "store": "MSK-1",
    "at": "2026-03-02T10:00:00+03:00",
    "channel": "qr",
    "declined": False,
    "nps": 3,
    "comment": "долго ждал",
}
SMILE = {
    "id": "access-e1",
    "store": "MSK-1",
    "at": "2026-03-02T10:00:00+03:00",
    "subject": "customer",
    "emotion": "happy",
}

API_SAMPLES: dict[tuple[str, str], list[Call]] = {
    ("get", "/api/v1/me"): [Call()],
    ("get", "/api/v1/stores"): [Call()],
    ("get", "/api/v1/sellers"): [Call()],
    ("get", "/api/v1/tokens"): [Call()],
    # A token is made in a browser session: a token cannot mint more tokens.
    ("post", "/api/v1/tokens"): [Call(body={"name": "access test"}, by_token=False)],
    ("delete", "/api/v1/tokens/{prefix}"): [Call(path={"prefix": "nosuchpf"}, allowed=NOBODY)],
    ("get", "/api/v1/devices/tokens"): [Call(allowed=STORE_MANAGERS)],
    ("post", "/api/v1/devices/tokens"): [
        Call(
            body={"store": "MSK-1", "name": "access test", "kind": "terminal"},
            allowed=frozenset({"admin"}),
            by_token=False,
        )
    ],
    ("delete", "/api/v1/devices/tokens/{prefix}"): [
        Call(path={"prefix": "nosuchpf"}, allowed=NOBODY)
    ],
    # Users' tokens and sessions are not device tokens: every persona is refused here.
    ("post", "/api/v1/devices/events/{kind}"): [
        Call(path={"kind": "traffic"}, body=[count(store="MSK-1")], allowed=NOBODY),
        Call(
            path={"kind": "consultations"},
            body=[CONSULTATION],
            label="device consultations",
            allowed=NOBODY,
        ),
        Call(path={"kind": "presses"}, body=[PRESS], label="device presses", allowed=NOBODY),
    ],
    # A seller's own button: the store and seller are the caller's, whatever the body says.
    ("post", "/api/v1/staff/my-consultations"): [
        Call(
            body=[{"id": "access-b1", "started_at": "2026-03-02T10:00:00+03:00"}],
            allowed=frozenset({"seller"}),
        )
    ],
    # The replicator's doors: the register map names stores, the heartbeat takes counters.
    ("get", "/api/v1/registers"): [Call(allowed=ADMINS)],
    # A terminal's own set-up: device tokens only, so every persona is refused.
    ("get", "/api/v1/feedback/terminal"): [Call(allowed=NOBODY)],
    # A receipt of MSK-1 (the `sales` fixture): only those who see MSK-1 get its link.
    ("get", "/api/v1/feedback/survey-link"): [
        Call(
            query={"fn": "9999078900001234", "fd": "1"},
            allowed=frozenset({"admin", "analyst", "seller"}),
        ),
    ],
    ("post", "/api/v1/replicators/heartbeat"): [
        Call(
            body={
                "replicator_id": "access-test-replicator",
                "version": "0.1.0",
                "provider": "platforma",
                "registers": [{"kkt_reg_id": "0000000000000001", "lag_seconds": 60}],
            },
            allowed=ADMINS,
        )
    ],
    ("get", "/api/v1/reports/{name}"): [
        Call(path={"name": "kpi"}, query={**WEEK, "by": "store"}, label="kpi by store"),
        Call(path={"name": "kpi"}, query={**WEEK, "by": "seller"}, label="kpi by seller"),
        Call(path={"name": "kpi"}, query=WEEK, label="kpi total"),
        Call(path={"name": "decomposition"}, query={**WEEK, "by": "store"}),
        Call(path={"name": "heatmap"}, query=WEEK),
        Call(path={"name": "sellers"}, query=WEEK, label="sellers"),
        Call(path={"name": "sellers"}, query={**WEEK, "by": "store"}, label="sellers by store"),
        Call(path={"name": "failures"}, query=WEEK, label="failures"),
        Call(path={"name": "compliance"}, query={**WEEK, "by": "seller"}, label="compliance"),
        Call(path={"name": "speech"}, query={**WEEK, "by": "seller"}, label="speech by seller"),
        Call(path={"name": "missed-offers"}, query=WEEK, label="missed offers"),
        Call(path={"name": "leave-reasons"}, query={**WEEK, "by": "store"}, label="leave reasons"),
        Call(path={"name": "emotions"}, query={**WEEK, "by": "store"}, label="emotions by store"),
        Call(path={"name": "nps"}, query={**WEEK, "by": "store"}, label="nps by store"),
        Call(path={"name": "iel"}, query={**WEEK, "by": "seller"}, label="iel by seller"),
        Call(path={"name": "csi"}, query={**WEEK, "by": "store"}, label="csi by store"),
        Call(path={"name": "reviews"}, query={**WEEK, "by": "store"}, label="reviews by store"),
        Call(path={"name": "segments"}, query=WEEK, label="segments"),
        Call(
            path={"name": "correlations"},
            query={**WEEK, "x": "units", "y": "traffic", "grain": "store-day"},
            label="correlations",
        ),
        Call(
            path={"name": "drivers"},
            query={**WEEK, "outcome": "conversion", "drivers": "coverage,compliance"},
            label="drivers",
            # A week of three stores is too few points: a 422 that says so, for everyone.
            allowed=NOBODY,
        ),
        Call(path={"name": "factors"}, query=WEEK, label="factors"),
        Call(
            path={"name": "revenue-sources"},
            query=WEEK,
            label="revenue sources",
            allowed=EVERYONE - {"seller"},  # a store's or the chain's table, not a seller's
        ),
    ],
    ("post", "/api/v1/imports/{kind}"): [
        # Imports are the chain admin's (integrators use an admin's token); a call naming
        # a store outside the caller's chain or scope is refused whole.
        Call(path={"kind": "receipts"}, body=RECEIPTS, allowed=IMPORTERS),
        Call(
            path={"kind": "traffic"},
            body=[count(store=s) for s in ("MSK-1", "MSK-2", "NSK-1")],
            allowed=IMPORTERS,
        ),
        Call(
            path={"kind": "transcripts"},
            body=[SPEECH],
            label="transcripts of MSK-1",
            allowed=IMPORTERS,
        ),
        Call(
            path={"kind": "consultations"},
            body=[CONSULTATION],
            label="consultations of MSK-1",
            allowed=IMPORTERS,
        ),
        # No checklist template here: the record is rejected (422) for everyone.
        Call(
            path={"kind": "checklists"},
            body=[CHECKLIST],
            label="checklists of MSK-1",
            allowed=NOBODY,
        ),
        Call(path={"kind": "emotions"}, body=[SMILE], label="emotions of MSK-1", allowed=IMPORTERS),
        Call(path={"kind": "presses"}, body=[PRESS], label="presses of MSK-1", allowed=IMPORTERS),
        Call(
            path={"kind": "survey_responses"},
            body=[ANSWER],
            label="answers of MSK-1",
            allowed=IMPORTERS,
        ),
        # A register of MSK-1 claimed for a new store: the refusal must not name MSK-1
        # to someone who may not see it.
        Call(
            path={"kind": "stores"},
            body=[
                {
                    "code": "NEW-1",
                    "name": "Новый",
                    "region": "Центр",
                    "registers": ["0000000000000001"],
                }
            ],
            allowed=NOBODY,
        ),
        Call(
            path={"kind": "sellers"},
            body=[{"code": "NEW-S1", "name": "Иванова Мария Сергеевна", "store": "NSK-1"}],
            # The name is another seller's: rejected (422) for everyone.
            allowed=NOBODY,
        ),
    ],
    ("get", "/api/v1/incidents"): [
        Call(),
        Call(query={"store": "NSK-1"}, label="incidents of NSK-1"),
    ],
    # No incident 1 here: a 404 for all (the incidents tests check who sees which incident).
    ("get", "/api/v1/incidents/{incident_id}"): [Call(path={"incident_id": "1"}, allowed=NOBODY)],
    ("post", "/api/v1/incidents/{incident_id}/comments"): [
        Call(path={"incident_id": "1"}, body={"text": "access test"}, allowed=NOBODY)
    ],
    ("post", "/api/v1/incidents/{incident_id}/status"): [
        Call(path={"incident_id": "1"}, body={"status": "in_progress"}, allowed=NOBODY)
    ],
    ("get", "/api/v1/incident-rules"): [Call(allowed=EVERYONE - {"seller"})],
    # The composite KPI's set-up: everyone reads their chain's; only its admin changes it.
    ("get", "/api/v1/kpi-setup"): [Call()],
    ("put", "/api/v1/kpi-setup"): [Call(body={"weights": {"coverage": 1}}, allowed=ADMINS)],
    ("patch", "/api/v1/incident-rules/{code}"): [
        Call(path={"code": "silent-device"}, body={"sla_hours": 12}, allowed=ADMINS)
    ],
}

# Pages with URL parameters: URL name → kwargs for reverse().
PAGE_SAMPLES: dict[str, list[dict[str, str]]] = {
    "feedback:review": [{"token": "no-such-link"}],
    "feedback:poster": [{"code": "MSK-1"}],
    "incidents:incident": [{"pk": "1"}],
    "incidents:comment": [{"pk": "1"}],
    "incidents:move": [{"pk": "1"}],
    "incidents:review_print": [{"pk": "1"}],
    "incidents:review_done": [{"pk": "1"}],
    # CSV, so the leak check reads what the export shows.
    "incidents:export": [{"name": "kpi"}, {"name": "sellers"}, {"name": "failures"}],
}
# Who may open a page (a 2xx) where it is not everyone; each other persona gets a 4xx or is
# sent to the login page.
PAGE_ALLOWED: dict[str, frozenset[str]] = {
    "feedback:poster": frozenset({"admin", "analyst", "seller"}),  # MSK-1's poster
    "feedback:review": NOBODY,
    "feedback:survey": NOBODY,  # a link without a receipt or poster identity
    "feedback:tell": NOBODY,  # the thank-you page's form target: a GET is refused (405)
    "incidents:incident": NOBODY,  # no incident 1 here
    "incidents:review_print": NOBODY,
    # Forms' targets: a GET is refused (405).
    "incidents:comment": NOBODY,
    "incidents:move": NOBODY,
    "incidents:review_done": NOBODY,
    "staff:queue": NOBODY,
    "staff:button": frozenset({"seller"}),
    "staff:checklist": EVERYONE - {"analyst", "seller"},
    "staff:kpi_setup": ADMINS,  # the chain admin sets the composite KPI and targets
    "analytics:sources": EVERYONE - {"seller"},
    "trust:audit": ADMINS,
}
# Pages anyone may open (login and the like); each with the reason.
PUBLIC_PAGES: dict[str, str] = {
    "feedback:survey": "customers reach it from a receipt's QR code; without a valid receipt "
    "or poster identity it shows nothing",
    "feedback:terminal": "the kiosk page holds no data; its script talks to the device API "
    "with the tablet's own device token",
    "feedback:review": "a customer's click on a store's public review link; unknown is a 404",
    "feedback:tell": "an unhappy customer writes to the store from the thank-you page (POST "
    "only); only the signed token of their own answer opens it, anything else is a 404",
    "healthz": "load balancers and monitoring probe it without a login; it says ok/fail only",
}
# Not pages of the product, or covered elsewhere.
SKIPPED_PREFIXES = (
    "admin/",
    "i18n/",
    "accounts/login/",
    "accounts/logout/",
    "api/",
    "static/",
    settings.STATIC_URL.strip("/") + "/",
)


# --- discovery ---


def api_routes() -> list[tuple[str, str]]:
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return sorted((method, path) for path, ops in schema["paths"].items() for method in ops)


def api_enums() -> dict[tuple[str, str, str], list[str]]:
    """Path parameters with a fixed set of values (import kinds, report names)."""
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    found = {}
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            for param in op.get("parameters", []):
                values = _enum_of(schema, param.get("schema", {}))
                if param["in"] == "path" and values:
                    found[(method, path, param["name"])] = values
    return found


def _enum_of(schema: dict, node: dict) -> list[str] | None:
    if "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node.get("enum")


@dataclass(frozen=True)
class Page:
    route: str
    name: str | None
    has_params: bool


def pages(resolver: URLResolver | None = None, prefix: str = "", ns: str = "") -> list[Page]:
    found = []
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern).lstrip("^").rstrip("$")
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(entry, URLResolver):
            inner = f"{ns}{entry.namespace}:" if entry.namespace else ns
            found += pages(entry, route, inner)
        elif isinstance(entry, URLPattern):
            params = bool(entry.pattern.regex.groupindex) or bool(entry.pattern.regex.groups)
            name = f"{ns}{entry.name}" if entry.name else None
            found.append(Page(route, name, params))
    return found


def page_urls() -> list[tuple[str, str]]:
    """(label, url) for every page; a page with parameters and no sample fails here."""
    urls = []
    for page in pages():
        if page.has_params:
            if page.name is None or page.name not in PAGE_SAMPLES:
                urls.append((page.route, f"MISSING SAMPLE for {page.name or page.route}"))
                continue
            urls += [(page.name, reverse(page.name, kwargs=kw)) for kw in PAGE_SAMPLES[page.name]]
        else:
            urls.append((page.name or page.route, "/" + page.route))
    return urls


def api_calls() -> list[tuple[str, str, Call]]:
    calls = []
    for method, path in api_routes():
        samples = API_SAMPLES.get((method, path))
        if samples is None:
            calls.append((method, path, Call(label="MISSING SAMPLE")))
        calls += [(method, path, c) for c in samples or []]
    return calls


# --- the checks ---


def leaked(persona: str, response, sent: str) -> set[str]:
    """Codes in the answer the persona may not see (an echo of what they sent is not a leak)."""
    shown = set(CODE.findall(response.content.decode(errors="replace")))
    return shown - VISIBLE[persona] - set(CODE.findall(sent))


def client_for(persona: str, personas: dict, how: str) -> tuple[Client, dict]:
    client = Client()
    if persona == "anonymous":
        return client, {}
    if how == "token":
        return client, bearer(personas[persona])
    client.force_login(personas[persona])
    return client, {}


def test_every_api_route_and_every_fixed_path_value_has_a_sample():
    missing = [f"{m.upper()} {p}" for m, p in api_routes() if (m, p) not in API_SAMPLES]
    assert not missing, f"add samples to API_SAMPLES for: {missing}"
    stale = [f"{m.upper()} {p}" for m, p in API_SAMPLES if (m, p) not in api_routes()]
    assert not stale, f"samples for routes that no longer exist: {stale}"
    for (method, path, param), values in api_enums().items():
        sampled = {c.path.get(param) for c in API_SAMPLES[(method, path)]}
        assert set(values) <= sampled, f"{method.upper()} {path}: no sample for {param}=" + str(
            sorted(set(values) - sampled)
        )


def test_every_page_with_parameters_has_a_sample():
    missing = [label for label, url in page_urls() if url.startswith("MISSING")]
    assert not missing, f"add samples to PAGE_SAMPLES for: {missing}"


@pytest.mark.parametrize("how", ["token", "session"])
@pytest.mark.parametrize(
    ("method", "path", "call"),
    api_calls(),
    ids=lambda v: v.label if isinstance(v, Call) else v,
)
def test_api_route_refuses_the_anonymous_and_leaks_nothing(
    personas,
    sales,
    method,
    path,
    call,
    how,
):
    assert call.label != "MISSING SAMPLE", f"{method.upper()} {path} has no sample in API_SAMPLES"
    url = path.format(**call.path)
    body = json.dumps(call.body) if call.body is not None else None
    sent = url + json.dumps(call.query) + (body or "")
    for persona in PERSONAS:
        client, headers = client_for(persona, personas, how)
        if method == "get":
            response = client.get(url, call.query, **headers)
        else:
            target = url + ("?" + "&".join(f"{k}={v}" for k, v in call.query.items()))
            response = getattr(client, method)(
                target, body, content_type="application/json", **headers
            )
        where = f"{method.upper()} {url} as {persona} ({how})"
        if persona == "anonymous":
            assert response.status_code == 401, where
            assert response.json()["detail"], where
            continue
        allowed = call.allowed if how == "session" or call.by_token else NOBODY
        if persona in allowed:
            assert 200 <= response.status_code < 300, f"{where}: {response.content[:300]!r}"
        else:
            assert 400 <= response.status_code < 500, f"{where}: {response.status_code}"
        assert not leaked(persona, response, sent), (
            f"{where} shows {leaked(persona, response, sent)}"
        )


@pytest.mark.parametrize(("label", "url"), page_urls())
def test_page_refuses_the_anonymous_and_leaks_nothing(personas, sales, label, url):
    assert not url.startswith("MISSING"), f"{label}: {url}"
    for persona in PERSONAS:
        client, _ = client_for(persona, personas, "session")
        response = client.get(url)
        where = f"GET {url} as {persona}"
        if persona == "anonymous":
            if label in PUBLIC_PAGES:
                continue
            assert response.status_code in (302, 401, 403), where
            if response.status_code == 302:
                assert response["Location"].startswith(reverse(settings.LOGIN_URL)), where
            continue
        if persona in PAGE_ALLOWED.get(label, EVERYONE):
            assert 200 <= response.status_code < 300, f"{where}: {response.status_code}"
        else:
            assert 400 <= response.status_code < 500, f"{where}: {response.status_code}"
        assert not leaked(persona, response, url), f"{where} shows {leaked(persona, response, url)}"
