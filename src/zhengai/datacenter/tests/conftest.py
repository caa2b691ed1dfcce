import pytest

from zhengai.datacenter.models import SourceMapping, SourceSystem


@pytest.fixture
def data_dir(tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


@pytest.fixture
def renshi(db, data_dir):
    """A 人事 source delivering departments and teachers as files with Chinese headers."""
    source = SourceSystem.objects.create(code="renshi", name="人事系统", connector="files")
    SourceMapping.objects.create(
        source=source,
        table="departments",
        locator="*部门*",
        columns={"dept_code": "部门代码", "dept_name": "部门名称", "dept_kind": "部门类别", "parent_code": "上级部门"},
        order=1,
    )
    SourceMapping.objects.create(
        source=source,
        table="teachers",
        locator="*教师*",
        columns={
            "staff_no": "工号",
            "name": "姓名",
            "gender": "性别",
            "birth_year": "出生年份",
            "category": "教师类别",
            "dept_code": "部门代码",
            "title_level": "职称级别",
            "degree": "学位",
            "education": "学历",
            "dual_qualified": "双师型",
        },
        order=2,
    )
    return source
