"""Data scope: who sees which majors, courses, classes, teachers, students and org units."""

import pytest

from zhengai.accounts.choices import Role
from zhengai.accounts.scope import scope_for

pytestmark = pytest.mark.django_db


def names(qs):
    return sorted(obj.name for obj in qs)


@pytest.mark.parametrize("key", ["officer", "committee", "it", "reviewer"])
def test_college_wide_roles_see_the_whole_college(cast, key):
    scope = scope_for(cast.user(key))
    assert scope.everything and scope.label == "全校"
    assert names(scope.majors()) == ["护理", "计算机网络技术", "软件技术"]
    assert scope.students().count() == 6


def test_superuser_without_role_sees_everything(cast, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="x" * 12)
    assert scope_for(admin).everything


def test_department_head_sees_only_her_department(cast):
    scope = scope_for(cast.user("head_a"))
    assert scope.label == "信息工程系"
    assert names(scope.majors()) == ["计算机网络技术", "软件技术"]
    assert names(scope.teachers()) == ["张伟", "李娜"]
    assert names(scope.courses()) == ["数据库应用", "程序设计基础"]
    assert names(scope.classes()) == ["网络2401", "软件2301"]
    assert {s.name for s in scope.students()} == {"赵一", "钱二", "孙三", "李四"}
    assert not scope.students().filter(major=cast.nursing).exists()
    assert not scope.teachers().filter(pk=cast.wang.pk).exists()
    assert names(scope.org_units()) == ["信息工程系"]


def test_head_of_a_unit_also_sees_its_sub_units(cast, django_user_model):
    head = django_user_model.objects.create_user("qhead", role=Role.DEPARTMENT_HEAD, org_unit=cast.quality)
    assert names(scope_for(head).org_units()) == ["督导办公室", "质量监督与控制中心"]


def test_major_leader_sees_the_major_he_leads(cast):
    scope = scope_for(cast.user("major_leader"))
    assert names(scope.majors()) == ["软件技术"]
    assert names(scope.classes()) == ["软件2301"]
    assert names(scope.courses()) == ["程序设计基础"]
    assert {s.name for s in scope.students()} == {"赵一", "钱二", "孙三"}
    assert names(scope.teachers()) == ["张伟"]


def test_course_leader_sees_her_courses_and_herself(cast):
    scope = scope_for(cast.user("course_leader"))
    assert names(scope.courses()) == ["基础护理"]
    assert names(scope.teachers()) == ["王芳"]
    assert not scope.students().exists()
    assert not scope.majors().exists()


def test_teacher_sees_herself_her_class_and_her_course(cast):
    scope = scope_for(cast.user("teacher"))
    assert names(scope.teachers()) == ["李娜"]
    assert names(scope.classes()) == ["软件2301"]
    assert names(scope.courses()) == ["程序设计基础"]
    assert {s.name for s in scope.students()} == {"赵一", "钱二", "孙三"}
    assert not scope.majors().exists()


def test_student_sees_only_herself(cast):
    scope = scope_for(cast.user("student"))
    assert [s.name for s in scope.students()] == ["赵一"]
    for qs in (scope.majors(), scope.courses(), scope.classes(), scope.teachers(), scope.org_units()):
        assert not qs.exists()


def test_outsider_sees_nothing(cast):
    scope = scope_for(cast.user("outsider"))
    assert scope.is_empty and scope.label == "无数据权限"
    for qs in (scope.majors(), scope.courses(), scope.classes(), scope.teachers(), scope.students(),
               scope.org_units()):  # fmt: skip
        assert not qs.exists()


def test_roles_that_need_a_link_see_nothing_without_it(cast, django_user_model):
    for role in (Role.DEPARTMENT_HEAD, Role.MAJOR_LEADER, Role.COURSE_LEADER, Role.TEACHER, Role.STUDENT):
        user = django_user_model.objects.create_user(f"unlinked-{role}", role=role)
        assert scope_for(user).is_empty, role


def test_reviewer_reads_everything_but_may_change_nothing(cast):
    reviewer = cast.user("reviewer")
    assert scope_for(reviewer).everything
    assert reviewer.is_read_only
    assert not reviewer.can_edit_architecture
    assert reviewer.can_read_audit_log


def test_only_the_quality_office_edits_the_architecture(cast):
    editors = {key for key, user in cast.users.items() if user.can_edit_architecture}
    assert editors == {"officer"}
