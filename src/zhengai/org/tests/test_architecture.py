"""The plan's Table 1 is the default architecture, and edits to it are audited."""

import pytest

from zhengai.audit.models import AuditRecord
from zhengai.org.models import ArchitectureCell, ArchitectureItem, ArchitectureRow, OrgUnit, OrgUnitSystem
from zhengai.org.services import architecture_cell_update, architecture_load_default, org_units_load_default

pytestmark = pytest.mark.django_db


def test_table_1_is_loaded_with_every_cell():
    rows = list(ArchitectureRow.objects.order_by("order"))
    assert [r.group_label for r in rows] == [
        "决策指挥", "决策指挥", "质量生成", "资源建设", "支持服务", "监督控制", "监督控制", "数据平台",
    ]  # fmt: skip
    assert ArchitectureCell.objects.count() == 8 * 5
    assert not ArchitectureCell.objects.filter(items__isnull=True).exists()
    cell = ArchitectureCell.objects.get(row__aspect="目标", level__code="major")
    assert cell.item_texts() == ["专业建设规划", "各专业建设规划"]
    assert rows[0].chain.name == "目标链" and rows[-1].chain is None


def test_loading_the_default_twice_changes_nothing():
    before = ArchitectureItem.objects.count()
    assert architecture_load_default() == 0
    assert ArchitectureItem.objects.count() == before


def test_cell_edit_is_audited_with_before_and_after(django_user_model):
    officer = django_user_model.objects.create_user("officer", password="x" * 12, role="quality_office")
    cell = ArchitectureCell.objects.get(row__aspect="标准", level__code="teacher")
    old = cell.item_texts()
    architecture_cell_update(
        cell=cell, items=["岗前培训考核标准", " ", "双师型教师认定标准"], by=officer, note="按新办法修订"
    )
    cell.refresh_from_db()
    assert cell.item_texts() == ["岗前培训考核标准", "双师型教师认定标准"]
    assert cell.version == 2
    record = AuditRecord.objects.get(object_type="org.architecturecell", object_id=str(cell.pk))
    assert record.actor == officer
    assert record.before == {"items": old}
    assert record.after == {"items": ["岗前培训考核标准", "双师型教师认定标准"]}
    assert record.note == "按新办法修订"


def test_an_empty_cell_is_refused_and_nothing_is_written():
    cell = ArchitectureCell.objects.get(row__aspect="标准", level__code="teacher")
    with pytest.raises(ValueError, match="至少"):
        architecture_cell_update(cell=cell, items=["  "], by=None)
    assert cell.items.count() == 3
    assert not AuditRecord.objects.exists()


def test_org_units_are_placed_in_the_five_systems():
    assert org_units_load_default() == org_units_load_default()
    quality = OrgUnit.objects.get(code="zkzx")
    assert set(quality.systems.values_list("code", flat=True)) == {"supervision"}
    nursing = OrgUnit.objects.get(code="hlx")
    assert nursing.is_teaching_department
    assert OrgUnitSystem.objects.get(org_unit=nursing, primary=True).system.code == "generation"
    assert OrgUnit.objects.get(code="ddb").parent == quality
