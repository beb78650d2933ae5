from django.urls import path

from cxm.trust import views

app_name = "trust"
urlpatterns = [path("audit/", views.audit_log, name="audit")]
