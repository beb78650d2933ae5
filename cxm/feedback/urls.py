from django.urls import path

from cxm.feedback import views

app_name = "feedback"
urlpatterns = [
    path("", views.voice, name="voice"),
    path("survey/", views.survey, name="survey"),
    path("review/<str:token>/", views.review, name="review"),
    path("terminal/", views.terminal, name="terminal"),
    path("poster/<str:code>/", views.poster, name="poster"),
]
