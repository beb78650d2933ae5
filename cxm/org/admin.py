"""Admin for the chain's structure, for the installation's IT staff. Imports remain the
normal way in; the admin is for corrections and for users' roles and tokens."""

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cxm.org.models import (
    ApiToken,
    Chain,
    Membership,
    Region,
    Register,
    Seller,
    SellerAlias,
    Store,
)
from cxm.org.services import normalize_person_name
from cxm.org.tokens import revoke_tokens


@admin.register(Chain)
class ChainAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "chain"]
    list_filter = ["chain"]
    search_fields = ["name"]


class RegisterInline(admin.TabularInline):
    model = Register
    extra = 0
    fields = ["kkt_reg_id"]


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region", "city", "timezone", "chain"]
    list_filter = ["chain", "region"]
    list_select_related = ["region", "chain"]
    search_fields = ["code", "name", "city", "address"]
    inlines = [RegisterInline]


class SellerAliasFormSet(BaseInlineFormSet):
    """Aliases are stored normalised (that is how receipts are matched to them) and unique
    within the chain; the chain comes from the seller, so the form never asks for it."""

    def clean(self) -> None:
        super().clean()
        seller: Seller = self.instance
        seen: set[str] = set()
        for form in self.forms:
            if not getattr(form, "cleaned_data", None) or form.cleaned_data.get("DELETE"):
                continue
            alias = normalize_person_name(form.cleaned_data.get("alias") or "")
            if not alias:
                continue
            taken = SellerAlias.objects.filter(chain_id=seller.chain_id, alias=alias).exclude(
                pk=form.instance.pk
            )
            if alias in seen or taken.exists():
                form.add_error("alias", _("This name already belongs to a seller of the chain."))
            seen.add(alias)
            form.instance.alias = alias


class SellerAliasInline(admin.TabularInline):
    model = SellerAlias
    formset = SellerAliasFormSet
    extra = 0
    fields = ["alias"]


@admin.register(Seller)
class SellerAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "store", "active"]
    list_filter = ["chain", "active", "store"]
    list_select_related = ["store"]
    search_fields = ["code", "name", "aliases__alias"]
    inlines = [SellerAliasInline]

    def save_formset(self, request, form, formset, change) -> None:
        for inline_form in formset.forms:
            if isinstance(inline_form.instance, SellerAlias):
                inline_form.instance.chain_id = form.instance.chain_id
        super().save_formset(request, form, formset, change)


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "chain", "role", "region", "store", "seller"]

    def clean(self) -> dict:
        data = super().clean()
        # A role's region, store or seller must belong to the membership's chain; scope_for
        # would show nothing otherwise, and the admin would not say why.
        chain = data.get("chain")
        for name in ("region", "store", "seller"):
            part = data.get(name)
            if chain is not None and part is not None and part.chain_id != chain.pk:
                self.add_error(name, _("It belongs to another chain."))
        return data


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    form = MembershipForm
    list_display = ["user", "role", "chain", "region", "store", "seller"]
    list_filter = ["chain", "role"]
    list_select_related = ["user", "chain", "region", "store", "seller"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    raw_id_fields = ["user", "seller"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by `cxm token create` or the API, which show the raw value once.
    Here they can only be looked at (by prefix; the hash is never shown) and revoked."""

    list_display = ["prefix", "name", "user", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    list_select_related = ["user"]
    search_fields = ["prefix", "name", "user__username"]
    fields = ["prefix", "name", "user", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # Read-only pages; revoking is the action below (it needs the change permission
        # of the model, checked by the action's own `permissions`).
        return False

    @admin.action(description=_("Revoke selected tokens"), permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = revoke_tokens(queryset)
        self.message_user(request, _("%d token(s) revoked.") % count, messages.SUCCESS)

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        opts = self.model._meta
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")
