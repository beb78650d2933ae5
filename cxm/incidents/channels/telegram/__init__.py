"""Telegram through the Bot API's sendMessage; the bot token comes from settings
(CXM_TELEGRAM_BOT_TOKEN), the chat id from the user's subscription. The token is part of
the URL, so errors are reported without the URL."""

import httpx
from django.conf import settings

from cxm.incidents.channels import ChannelError

MAX_TEXT = 4096  # the Bot API's limit for one message


def send(address: str, subject: str, body: str) -> None:
    token = settings.CXM_TELEGRAM_BOT_TOKEN
    if not token:
        raise ChannelError("no Telegram bot token configured (CXM_TELEGRAM_BOT_TOKEN)")
    url = f"{settings.CXM_TELEGRAM_API_URL.rstrip('/')}/bot{token}/sendMessage"
    text = f"{subject}\n\n{body}"[:MAX_TEXT]
    try:
        response = httpx.post(
            url,
            json={"chat_id": address, "text": text},
            timeout=settings.CXM_NOTIFY_TIMEOUT_SECONDS,
        )
    except httpx.HTTPError as exc:
        raise ChannelError(f"Telegram: {type(exc).__name__}") from None
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if response.status_code != 200 or not answer.get("ok"):
        description = str(answer.get("description", ""))[:200].replace(token, "***")
        raise ChannelError(f"Telegram: HTTP {response.status_code} {description}".strip())
