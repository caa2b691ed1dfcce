"""Passwords typed inside stored database URLs move to the encrypted secrets field."""

from django.db import migrations


def forwards(apps, schema_editor):
    from zhengai.datacenter.secrets import move_url_passwords

    move_url_passwords(apps.get_model("datacenter", "SourceSystem").objects.filter(connector="sql"))


class Migration(migrations.Migration):
    dependencies = [("datacenter", "0005_source_secrets_roster_guard")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
