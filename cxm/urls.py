from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from cxm.api.urls import api
from cxm.trust.health import healthz
from cxm.trust.views import LoginView

urlpatterns = [
    # The admin signs in through CXM's login: throttled, and with the TOTP code when enrolled.
    path("admin/login/", LoginView.as_view()),
    path("admin/", admin.site.urls),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("feedback/", include("cxm.feedback.urls")),
    path("staff/", include("cxm.staff.urls")),
    path("speech/", include("cxm.speech.urls")),
    path("incidents/", include("cxm.incidents.urls")),
    path("analytics/", include("cxm.analytics.urls")),
    path("trust/", include("cxm.trust.urls")),
    path("healthz", healthz, name="healthz"),
    path("", include("cxm.dashboard.urls")),
]
