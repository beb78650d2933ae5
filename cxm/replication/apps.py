from django.apps import AppConfig


class ReplicationConfig(AppConfig):
    name = "cxm.replication"
    verbose_name = "OFD replicators"
    default_auto_field = "django.db.models.BigAutoField"
