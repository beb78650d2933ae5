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


# Requests one client (a device token, or else an IP address) may make to each group of public
# endpoints per window: (requests, seconds). Chosen well above honest use (docs/security.md):
# - survey: a customer opens the form and sends it (2–3 requests); mobile carriers put many
#   phones behind one address (CGNAT), so the address gets room for a crowd.
# - review: one click per promoter; the same shared-address reasoning.
# - device: a terminal shows "thank you" for 2.5 s after each press and sends its queue at most
#   every 5 s, so even a queue of customers pressing in turn stays under 40 a minute.
# - import: a replicator catching up sends batches back to back (500 receipts each) and waits
#   out a 429's Retry-After; 120 batches a minute is 60,000 receipts.
# - login: posts of the login form; failed logins have their own lockout on top.
RATE_LIMIT_DEFAULTS: dict[str, tuple[int, int]] = {
    "survey": (60, 60),
    "review": (30, 60),
    "device": (120, 60),
    "import": (120, 60),
    "login": (30, 60),
}


def rate_limits(text: str) -> dict[str, tuple[int, int]]:
    """CXM_RATE_LIMITS: empty for the defaults, `off` for none, or overrides of the defaults
    such as `device=600/60,survey=0` (0 requests: that group is not limited)."""
    limits = dict(RATE_LIMIT_DEFAULTS)
    text = text.strip()
    if text.lower() in {"off", "0", "none"}:
        return {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        group, _, value = part.partition("=")
        group = group.strip()
        if group not in RATE_LIMIT_DEFAULTS:
            known = ", ".join(RATE_LIMIT_DEFAULTS)
            raise ImproperlyConfigured(f"CXM_RATE_LIMITS: unknown group {group!r} (known: {known})")
        count, _, seconds = value.strip().partition("/")
        try:
            limit = (int(count), int(seconds or RATE_LIMIT_DEFAULTS[group][1]))
        except ValueError:
            raise ImproperlyConfigured(
                f"CXM_RATE_LIMITS: {part!r} is not GROUP=REQUESTS/SECONDS, e.g. device=120/60"
            ) from None
        if limit[0] < 0 or limit[1] <= 0:
            raise ImproperlyConfigured(f"CXM_RATE_LIMITS: {part!r} must be positive")
        limits[group] = limit
    return {group: limit for group, limit in limits.items() if limit[0] > 0}
