from django.urls import path

from cxm.feedback import views

app_name = "feedback"
urlpatterns = [
    path("", views.voice, name="voice"),
    path("survey/", views.survey, name="survey"),
    # Under survey/: the survey's rate limit (CXM_RATE_LIMITS) covers it too.
    path("survey/tell/", views.tell, name="tell"),
    path("review/<str:token>/", views.review, name="review"),
    path("terminal/", views.terminal, name="terminal"),
    path("poster/<str:code>/", views.poster, name="poster"),
]
