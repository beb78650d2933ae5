"""Sums the facts already in the database into the new rollups."""

from django.db import migrations


def fill(apps, schema_editor):
    from cxm.rollups.refresh import SALES, refresh_store_days

    keys = set()
    for label in ("sales.Receipt", "traffic.VisitorCount"):
        model = apps.get_model(label)
        keys.update(model.objects.values_list("store_id", "day").distinct().order_by())
    # Only the tables this migration's state has (later ones fill their own: the versions
    # of migration 0005 too).
    refresh_store_days(keys, frozenset({SALES}), written=())


class Migration(migrations.Migration):
    dependencies = [
        ("rollups", "0001_initial"),
        ("sales", "0001_initial"),
        ("traffic", "0001_initial"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
