"""E-mail through the SMTP server in settings (CXM_EMAIL_HOST, CXM_EMAIL_PORT, …)."""

import smtplib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email

from cxm.incidents.channels import ChannelError


def send(address: str, subject: str, body: str) -> None:
    try:
        validate_email(address)
    except ValidationError:
        raise ChannelError(f"not an e-mail address: {address!r}") from None
    connection = get_connection(timeout=settings.CXM_NOTIFY_TIMEOUT_SECONDS)
    message = EmailMessage(
        subject, body, settings.DEFAULT_FROM_EMAIL, [address], connection=connection
    )
    try:
        message.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = sorted({code for code, _text in exc.recipients.values()})
        raise ChannelError(f"the SMTP server refused the recipient {codes}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise ChannelError(f"SMTP: {type(exc).__name__}: {exc}"[:300]) from None
