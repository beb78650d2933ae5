from django.urls import path

from cxm.analytics import views

app_name = "analytics"
urlpatterns = [
    path("correlations/", views.correlations, name="correlations"),
    path("drivers/", views.drivers, name="drivers"),
    path("factors/", views.factors, name="factors"),
    path("revenue/", views.revenue, name="revenue"),
    path("sources/", views.sources, name="sources"),
    path("map/", views.kpi_map, name="map"),
]
