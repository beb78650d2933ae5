"""`cxm-replicator doctor`: check the OFD credentials and the CXM connection and say what
is wrong in plain words. Each check returns (ok, sentence)."""

from collections.abc import Callable

import httpx

from cxm_replicator.app import Runtime
from cxm_replicator.cxm import CxmRefused
from cxm_replicator.http import RemoteError, RetryPolicy
from cxm_replicator.providers.base import AuthError

Check = tuple[bool, str]
# The doctor answers quickly rather than politely waiting out a minute of Retry-After.
QUICK = RetryPolicy(attempts=2, backoff=1.0)


def diagnose(runtime: Runtime) -> list[Check]:
    return [
        _guard("credential store", lambda: _credentials(runtime)),
        _guard(f"OFD ({runtime.config.provider})", lambda: _ofd(runtime)),
        _guard(f"CXM at {runtime.config.cxm_url}", lambda: _cxm(runtime)),
        _guard("outbox", lambda: _outbox(runtime)),
    ]


def _guard(what: str, check: Callable[[], Check]) -> Check:
    try:
        return check()
    except AuthError as exc:
        return False, f"{what}: {exc}"
    except CxmRefused as exc:
        return False, f"{what}: {exc}"
    except KeyError as exc:
        return False, f"{what}: the secret {exc} is not in the credential store: run init again"
    except httpx.ConnectError:
        return False, (
            f"{what}: cannot connect — check the address, the network, a proxy or a firewall"
        )
    except httpx.TimeoutException:
        return False, f"{what}: no answer in time — the server is slow or unreachable"
    except (RemoteError, httpx.HTTPError, OSError, ValueError) as exc:
        return False, f"{what}: {exc}"


def _credentials(runtime: Runtime) -> Check:
    names = runtime.store.names()
    missing = [n for n in runtime.config.secrets if n not in names]
    if missing:
        return False, f"credential store ({runtime.store.kind}): missing {', '.join(missing)}"
    return True, f"credential store ({runtime.store.kind}): {len(names)} secret(s) present"


def _ofd(runtime: Runtime) -> Check:
    provider = runtime.provider(QUICK)
    try:
        listed = {r.kkt_reg_id for r in provider.registers()}
    finally:
        provider.close()
    absent = [r for r in runtime.config.registers if r not in listed]
    if absent:
        return False, (
            f"the OFD accepts the credentials but does not list register(s) {', '.join(absent)}"
            " for this account: were they moved to another cabinet?"
        )
    return True, f"the OFD accepts the credentials and lists {len(listed)} register(s)"


def _cxm(runtime: Runtime) -> Check:
    cxm = runtime.cxm(QUICK)
    try:
        me = cxm.whoami()
        mapped = cxm.register_zones()
    finally:
        cxm.close()
    if me.get("role") != "replicator":
        return False, (
            f"CXM knows the token as {me.get('username')!r} with role {me.get('role')!r}: "
            "create a replicator token with `cxm replicator-token create NAME`"
        )
    unmapped = [r for r in runtime.config.registers if r not in mapped]
    if unmapped:
        return False, (
            f"CXM accepts the token, but register(s) {', '.join(unmapped)} belong to no store "
            "in CXM: their receipts will be rejected until a store lists them"
        )
    return True, f"CXM accepts the token (chain {me['scope'].get('chain')})"


def _outbox(runtime: Runtime) -> Check:
    outbox = runtime.outbox()
    try:
        counts = outbox.counts()
    finally:
        outbox.close()
    return True, (
        f"outbox: {counts['pending']} waiting, {counts['sent']} delivered, "
        f"{counts['rejected']} rejected by CXM"
    )
