"""Outgoing webhook: the message as JSON, POSTed to the subscriber's URL."""

import httpx
from django.conf import settings

from cxm.incidents.channels import ChannelError


def send(address: str, subject: str, body: str) -> None:
    if not address.startswith(("https://", "http://")):
        raise ChannelError("a webhook address must be an http(s) URL")
    try:
        response = httpx.post(
            address,
            json={"subject": subject, "text": body},
            timeout=settings.CXM_NOTIFY_TIMEOUT_SECONDS,
        )
    except httpx.HTTPError as exc:
        raise ChannelError(f"webhook: {type(exc).__name__}") from None
    if not 200 <= response.status_code < 300:
        raise ChannelError(f"webhook: HTTP {response.status_code}")
