"""Incidents joined by a customer's contact were keyed by the contact itself; they are keyed
by its keyed hash now (cxm/trust/personal.py), so the contact is only in the contact field."""

from django.db import migrations


def hash_contact_keys(apps, schema_editor):
    from cxm.trust.personal import contact_key

    Incident = apps.get_model("incidents", "Incident")
    for incident in Incident.objects.filter(key__startswith="contact:").only("pk", "key"):
        raw = incident.key.removeprefix("contact:")
        Incident.objects.filter(pk=incident.pk).update(key=f"contact:{contact_key(raw)}")


class Migration(migrations.Migration):
    dependencies = [("trust", "0002_rate_count"), ("incidents", "0001_initial")]

    operations = [migrations.RunPython(hash_contact_keys, migrations.RunPython.noop)]
