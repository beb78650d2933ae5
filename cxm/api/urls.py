"""The HTTP API, mounted at /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at
/api/v1/docs). Every route needs a caller: a bearer token or a logged-in session."""

from ninja import NinjaAPI

from cxm.api import imports, org, reports, tokens
from cxm.api.auth import API_AUTH
from cxm.api.errors import install_error_handlers
from cxm.devices import api as devices
from cxm.feedback import api as feedback
from cxm.incidents import api as incidents
from cxm.replication import api as replication
from cxm.staff import api as staff

api = NinjaAPI(
    title="CXM API",
    version="1",
    urls_namespace="api",
    auth=API_AUTH,
    description=(
        "Imports, reports and the chain's structure, within the caller's scope. "
        "Authenticate with `Authorization: Bearer cxm_…` (`cxm token create USER NAME`) "
        "or a logged-in browser session (unsafe methods then need `X-CSRFToken`)."
    ),
)
install_error_handlers(api)
for module in (org, imports, reports, tokens, devices, replication, staff, feedback, incidents):
    api.add_router("", module.router)
