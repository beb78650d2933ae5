from django.urls import path

from cxm.staff import views

app_name = "staff"
urlpatterns = [
    path("button/", views.button, name="button"),
    path("failures/", views.failures, name="failures"),
    path("sellers/", views.sellers, name="sellers"),
    path("checklist/", views.checklist, name="checklist"),
    path("kpi/", views.kpi_setup, name="kpi_setup"),
    path("failures/queue/", views.queue, name="queue"),
]
