"""Load the plan's Table 1 (五纵五横) as the default architecture of a new installation."""

import json
from importlib import resources

from django.db import migrations

LEVELS = [("school", "学校"), ("major", "专业"), ("course", "课程"), ("teacher", "教师"), ("student", "学生")]
SYSTEMS = [
    ("decision", "决策指挥"),
    ("generation", "质量生成"),
    ("resource", "资源建设"),
    ("support", "支持服务"),
    ("supervision", "监督控制"),
]
CHAINS = [
    ("goal", "目标链"),
    ("standard", "标准链"),
    ("implementation", "实施链"),
    ("assurance", "保障链"),
    ("monitoring", "监控链"),
]


def load(apps, schema_editor):
    Level = apps.get_model("org", "Level")
    System = apps.get_model("org", "System")
    Chain = apps.get_model("org", "Chain")
    Row = apps.get_model("org", "ArchitectureRow")
    Cell = apps.get_model("org", "ArchitectureCell")
    Item = apps.get_model("org", "ArchitectureItem")
    for model, rows in ((Level, LEVELS), (System, SYSTEMS), (Chain, CHAINS)):
        for order, (code, name) in enumerate(rows, start=1):
            model.objects.update_or_create(code=code, defaults={"name": name, "order": order})
    if Row.objects.exists():
        return
    doc = json.loads(
        resources.files("zhengai.org").joinpath("data", "architecture_2018.json").read_text(encoding="utf-8")
    )
    levels = {x.code: x for x in Level.objects.all()}
    systems = {x.code: x for x in System.objects.all()}
    chains = {x.code: x for x in Chain.objects.all()}
    for data in doc["rows"]:
        row = Row.objects.create(
            order=data["order"],
            system=systems.get(data["system"]) if data["system"] else None,
            group_label=data["group_label"],
            aspect=data["aspect"],
            chain=chains.get(data["chain"]) if data["chain"] else None,
        )
        for level_code, items in data["cells"].items():
            cell = Cell.objects.create(row=row, level=levels[level_code])
            Item.objects.bulk_create(Item(cell=cell, order=i, text=t) for i, t in enumerate(items, start=1))


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
