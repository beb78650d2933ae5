"""Notification channels, each a self-contained package with one `send(address, subject,
body)` that raises `ChannelError` (with a message free of secrets) when delivery fails."""

from collections.abc import Callable


class ChannelError(Exception):
    """Delivery failed; the message is safe to store and show (no tokens, no passwords)."""


Sender = Callable[[str, str, str], None]


def sender(kind: str) -> Sender:
    # Imported on use: a channel's transport loads only when a message goes out through it.
    from cxm.incidents.channels import email, telegram, webhook

    return {"email": email.send, "telegram": telegram.send, "webhook": webhook.send}[kind]
