from django.contrib import admin

from cxm.devices.models import DeviceToken
from cxm.org.admin import ApiTokenAdmin


@admin.register(DeviceToken)
class DeviceTokenAdmin(ApiTokenAdmin):
    """Issued by `cxm device create` or the API; here looked at and revoked, as user tokens."""

    list_display = ["prefix", "name", "kind", "store", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["kind", "revoked_at", "store__region"]
    list_select_related = ["store"]
    search_fields = ["prefix", "name", "store__code"]
    fields = ["prefix", "name", "kind", "store", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
