from django.urls import path

from cxm.analytics import views

app_name = "analytics"
urlpatterns = [
    path("correlations/", views.correlations, name="correlations"),
    path("drivers/", views.drivers, name="drivers"),
    path("revenue/", views.revenue, name="revenue"),
    path("map/", views.kpi_map, name="map"),
]
