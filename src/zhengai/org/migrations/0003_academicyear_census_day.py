"""统计日 per 学年: existing years get 30 September, the census day the platform used until now."""

import datetime as dt

from django.db import migrations, models


def fill_census_day(apps, schema_editor):
    AcademicYear = apps.get_model("org", "AcademicYear")
    for year in AcademicYear.objects.all():
        year.census_day = dt.date(year.start_year, 9, 30)
        year.save(update_fields=["census_day"])


class Migration(migrations.Migration):
    dependencies = [("org", "0002_default_architecture")]

    operations = [
        migrations.AddField(
            model_name="academicyear",
            name="census_day",
            field=models.DateField(null=True, verbose_name="统计日"),
        ),
        migrations.RunPython(fill_census_day, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="academicyear",
            name="census_day",
            field=models.DateField(
                help_text="时点数据（在校生数、教师数等）所指的那一天，须在学年之内", verbose_name="统计日"
            ),
        ),
    ]
