from django.urls import path

from cxm.speech import views

app_name = "speech"
urlpatterns = [
    path("", views.speech, name="speech"),
    path("leave-reasons/", views.leave_reasons, name="leave_reasons"),
]
