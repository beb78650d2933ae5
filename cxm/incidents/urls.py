from django.urls import path

from cxm.incidents import views

app_name = "incidents"
urlpatterns = [
    path("", views.today, name="today"),
    path("<int:pk>/", views.incident, name="incident"),
    path("<int:pk>/comment/", views.comment, name="comment"),
    path("<int:pk>/status/", views.move, name="move"),
    path("organizer/", views.organizer, name="organizer"),
    path("reviews/<int:pk>/print/", views.review_print, name="review_print"),
    path("reviews/<int:pk>/done/", views.review_done, name="review_done"),
    path("digest/weekly/", views.weekly_digest, name="weekly_digest"),
    path("notifications/", views.notifications, name="notifications"),
    path("export/<slug:name>/", views.export_report, name="export"),
]
