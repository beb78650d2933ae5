"""Settings checked before Django starts (imported by cxm/settings.py: no models here)."""

from django.core.exceptions import ImproperlyConfigured

MIN_SECRET_LENGTH = 32
# Values copied from examples and tutorials: a key anyone can read forges anyone's session.
PLACEHOLDERS = ("change-me", "changeme", "django-insecure", "secret", "your-secret-key")


def checked_secret(value: str, *, debug: bool) -> str:
    """An explicitly configured CXM_SECRET_KEY, refused when it is a placeholder or too short
    (except with CXM_DEBUG=1, on a developer's machine)."""
    if debug:
        return value
    lowered = value.lower()
    if any(p in lowered for p in PLACEHOLDERS) or len(set(value)) < 8:
        raise ImproperlyConfigured(
            "CXM_SECRET_KEY is a placeholder: set a random value (python -c 'import secrets; "
            "print(secrets.token_urlsafe(50))') or unset it to have one generated into the "
            "data directory"
        )
    if len(value) < MIN_SECRET_LENGTH:
        raise ImproperlyConfigured(
            f"CXM_SECRET_KEY is {len(value)} characters long: use at least {MIN_SECRET_LENGTH} "
            "random characters, or unset it to have one generated into the data directory"
        )
    return value
