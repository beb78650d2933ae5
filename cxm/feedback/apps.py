from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "cxm.feedback"
    label = "feedback"
