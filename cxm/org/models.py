"""The chain's structure and who may see what: chains, regions, stores, registers, sellers,
user roles and API tokens."""

import hashlib
import secrets
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Chain(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="regions")
    name = models.CharField(max_length=120)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["chain", "name"], name="region_unique_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StoreQuerySet(models.QuerySet):
    def visible_to(self, user) -> "StoreQuerySet":
        """The one place that decides which stores a user may see."""
        from cxm.org.scope import scope_for

        return self.filter(pk__in=scope_for(user).store_ids)


class Store(models.Model):
    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="stores")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="stores")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    city = models.CharField(max_length=120, blank=True)
    address = models.CharField(max_length=300, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    timezone = models.CharField(max_length=64, default="Europe/Moscow")
    opening_hours = models.JSONField(default=dict, blank=True)
    review_links = models.JSONField(default=dict, blank=True)

    objects = StoreQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["chain", "code"], name="store_unique_code")]
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Register(models.Model):
    """A cash register (ККТ), known by its registration number (kktRegId, tag 1037)."""

    kkt_reg_id = models.CharField(max_length=20, unique=True)
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="registers")

    def __str__(self) -> str:
        return self.kkt_reg_id


class Seller(models.Model):
    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="sellers")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="sellers")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    inn = models.CharField(max_length=12, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["chain", "code"], name="seller_unique_code")]
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class SellerAlias(models.Model):
    """A name the seller appears under in receipts (cashier text, tag 1021), normalised."""

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE)
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chain", "alias"], name="seller_alias_unique")
        ]

    def __str__(self) -> str:
        return self.alias


class Role(models.TextChoices):
    CHAIN_ADMIN = "chain_admin", _("Chain administrator")
    ANALYST = "analyst", _("Analyst")
    REGIONAL_MANAGER = "regional_manager", _("Regional manager")
    STORE_MANAGER = "store_manager", _("Store manager")
    SELLER = "seller", _("Seller")
    # An on-premises OFD replicator: sends its chain's receipts and heartbeats, sees nothing.
    REPLICATOR = "replicator", _("OFD replicator")


class Membership(models.Model):
    """A user's role in a chain and the part of it the role covers."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    chain = models.ForeignKey(Chain, on_delete=models.CASCADE)
    role = models.CharField(max_length=20, choices=Role.choices)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.CASCADE)
    store = models.ForeignKey(Store, null=True, blank=True, on_delete=models.CASCADE)
    seller = models.OneToOneField(Seller, null=True, blank=True, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="membership_role_has_its_scope",
                condition=(
                    models.Q(role__in=["chain_admin", "analyst", "replicator"])
                    | models.Q(role="regional_manager", region__isnull=False)
                    | models.Q(role="store_manager", store__isnull=False)
                    | models.Q(role="seller", seller__isnull=False)
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the API. Only its hash is stored; the raw value is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, user, name: str) -> tuple["ApiToken", str]:
        raw = "cxm_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=raw[4:12], key_hash=hash_token(raw))
        return token, raw
