"""Master-data lists and details: scope, search, filters, htmx partials, pagination."""

import pytest
from django.urls import reverse

from zhengai.org import choices
from zhengai.org.models import Student

pytestmark = pytest.mark.django_db

LISTS = ["org:majors", "org:courses", "org:classes", "org:teachers", "org:students"]


def listed(response) -> list:
    return list(response.context["page"].object_list)


def listed_names(response) -> set[str]:
    return {obj.name for obj in listed(response)}


def test_department_head_of_a_never_sees_department_b(client_for):
    client = client_for("head_a")
    assert listed_names(client.get(reverse("org:majors"))) == {"软件技术", "计算机网络技术"}
    assert listed_names(client.get(reverse("org:teachers"))) == {"张伟", "李娜"}
    assert listed_names(client.get(reverse("org:students"))) == {"赵一", "钱二", "孙三", "李四"}
    assert listed_names(client.get(reverse("org:classes"))) == {"软件2301", "网络2401"}
    assert listed_names(client.get(reverse("org:courses"))) == {"程序设计基础", "数据库应用"}
    html = client.get(reverse("org:students")).content.decode()
    assert "周五" not in html and "护理2301" not in html


def test_student_sees_only_herself_in_every_list(client_for):
    client = client_for("student")
    assert listed_names(client.get(reverse("org:students"))) == {"赵一"}
    for name in ["org:majors", "org:courses", "org:classes", "org:teachers"]:
        assert listed(client.get(reverse(name))) == [], name


@pytest.mark.parametrize("name", LISTS)
def test_outsider_sees_an_empty_list_with_the_reason(client_for, name):
    response = client_for("outsider").get(reverse(name))
    assert response.status_code == 200
    assert listed(response) == []
    assert "尚未分配角色或数据范围" in response.content.decode()


def _detail_urls(cast) -> dict[str, str]:
    return {
        "major": reverse("org:major_detail", args=[cast.nursing.pk]),
        "course": reverse("org:course_detail", args=[cast.basic_nursing.pk]),
        "class": reverse("org:class_detail", args=[cast.nurse2301.pk]),
        "teacher": reverse("org:teacher_detail", args=[cast.wang.pk]),
        "student": reverse("org:student_detail", args=[cast.students_b[0].pk]),
    }


@pytest.mark.parametrize("kind", ["major", "course", "class", "teacher", "student"])
def test_details_of_department_b_are_404_for_the_head_of_a(client_for, cast, kind):
    assert client_for("head_a").get(_detail_urls(cast)[kind]).status_code == 404
    assert client_for("officer").get(_detail_urls(cast)[kind]).status_code == 200


@pytest.mark.parametrize("kind", ["major", "course", "class", "teacher", "student"])
def test_every_detail_is_404_for_the_outsider(client_for, cast, kind):
    response = client_for("outsider").get(_detail_urls(cast)[kind])
    assert response.status_code == 404
    assert "不在您的数据范围内" in response.content.decode()


def test_student_opens_her_own_record_but_not_a_classmates(client_for, cast):
    client = client_for("student")
    me, classmate = cast.students_a[0], cast.students_a[1]
    response = client.get(reverse("org:student_detail", args=[me.pk]))
    assert response.status_code == 200 and "赵一" in response.content.decode()
    assert client.get(reverse("org:student_detail", args=[classmate.pk])).status_code == 404


def test_detail_links_only_to_records_in_scope(client_for, cast):
    html = client_for("student").get(reverse("org:student_detail", args=[cast.students_a[0].pk])).content
    html = html.decode()
    assert "软件技术" in html
    assert reverse("org:major_detail", args=[cast.software.pk]) not in html
    html = client_for("head_a").get(reverse("org:student_detail", args=[cast.students_a[0].pk])).content
    assert reverse("org:major_detail", args=[cast.software.pk]) in html.decode()


def test_major_detail_summarises_its_classes_courses_and_students(client_for, cast):
    response = client_for("head_a").get(reverse("org:major_detail", args=[cast.software.pk]))
    assert [c.name for c in response.context["classes"]] == ["软件2301"]
    assert [c.name for c in response.context["courses"]] == ["程序设计基础"]
    assert response.context["by_cohort"] == [{"cohort": 2023, "n": 2}]
    statuses = {row["label"]: row["count"] for row in response.context["by_status"]}
    assert statuses == {"在读": 2, "休学": 1}


@pytest.mark.parametrize(
    ("name", "params", "expected"),
    [
        ("org:students", {"q": "钱"}, {"钱二"}),
        ("org:students", {"q": "20240102"}, {"李四"}),
        ("org:students", {"status": "suspended"}, {"孙三"}),
        ("org:students", {"cohort": "2024"}, {"李四"}),
        ("org:majors", {"q": "5202"}, {"护理"}),
        ("org:majors", {"tier": "cultivating"}, {"计算机网络技术"}),
        ("org:courses", {"kind": "foundation"}, {"数据库应用"}),
        ("org:teachers", {"dual": "1"}, {"张伟"}),
        ("org:teachers", {"dual": "0", "title": "senior"}, {"王芳"}),
        ("org:classes", {"cohort": "2023"}, {"软件2301", "护理2301"}),
    ],
)
def test_search_and_filters_narrow_the_list(client_for, name, params, expected):
    assert listed_names(client_for("officer").get(reverse(name), params)) == expected


def test_filters_by_related_records(client_for, cast):
    client = client_for("officer")
    assert listed_names(client.get(reverse("org:majors"), {"department": cast.dept_b.pk})) == {"护理"}
    assert listed_names(client.get(reverse("org:students"), {"major": cast.network.pk})) == {"李四"}
    assert listed_names(client.get(reverse("org:classes"), {"major": cast.nursing.pk})) == {"护理2301"}


def test_a_filter_outside_the_scope_is_ignored_not_obeyed(client_for, cast):
    # The head of A asks for B's major: the option is not offered, the list stays within A.
    response = client_for("head_a").get(reverse("org:students"), {"major": cast.nursing.pk})
    assert listed_names(response) == {"赵一", "钱二", "孙三", "李四"}
    options = list(response.context["form"].fields["major"].queryset)
    assert cast.nursing not in options


def test_an_htmx_request_gets_only_the_table(client_for):
    client = client_for("officer")
    response = client.get(reverse("org:students"), {"q": "赵"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and "赵一" in html and "钱二" not in html
    assert "HX-Request" in response["Vary"]
    full = client.get(reverse("org:students"), {"q": "赵"})
    assert "<html" in full.content.decode()


def test_history_restore_gets_the_whole_page(client_for):
    response = client_for("officer").get(
        reverse("org:students"), headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in response.content.decode()


@pytest.fixture
def many_students(cast):
    Student.objects.bulk_create(
        Student(
            student_no=f"2024{n:06d}",
            name=f"学生{n}",
            gender=choices.Gender.MALE,
            major=cast.network,
            school_class=cast.net2401,
            cohort=2024,
            status=choices.StudentStatus.ENROLLED,
        )
        for n in range(120)
    )


def test_students_are_paged_fifty_at_a_time(client_for, many_students):
    client = client_for("officer")
    first = client.get(reverse("org:students"))
    assert first.context["page"].paginator.count == 126
    assert len(listed(first)) == 50
    last = client.get(reverse("org:students"), {"page": "3"})
    assert len(listed(last)) == 26
    assert "第 101–126 条" in last.content.decode()
    assert client.get(reverse("org:students"), {"page": "x"}).context["page"].number == 1


def test_the_page_links_keep_the_filters(client_for, many_students):
    html = client_for("officer").get(reverse("org:students"), {"cohort": "2024"}).content.decode()
    assert "?cohort=2024&amp;page=2" in html


def test_a_students_page_costs_the_same_queries_with_more_students(
    client_for, cast, many_students, django_assert_max_num_queries
):
    # One count and one page query (plus session, user, filter options and the top bar's 待处理 count with
    # the alert settings it reads), whatever the number of rows.
    client = client_for("head_a")
    client.get(reverse("org:students"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("org:students"))
    assert len(listed(response)) == 50


def test_calendar_lists_years_and_terms(client_for):
    response = client_for("teacher").get(reverse("org:calendar"))
    html = response.content.decode()
    assert "2024-2025学年" in html and "2024-2025-1" in html and "2023-2024-2" in html


def test_calendar_is_empty_for_the_outsider(client_for):
    response = client_for("outsider").get(reverse("org:calendar"))
    assert response.context["years"] == []


def test_units_page_shows_the_tree_and_the_five_systems_grid(client_for):
    response = client_for("officer").get(reverse("org:units"))
    nodes = response.context["nodes"]
    depth = {node.unit.name: node.depth for node in nodes}
    assert depth["质量监督与控制中心"] == 0 and depth["督导办公室"] == 1
    quality = next(n for n in nodes if n.unit.code == "zkzx")
    assert [m.system.code if m else None for m in quality.marks] == [None, None, None, None, "supervision"]
    html = response.content.decode()
    assert "监测预警与诊改督查" in html and "★ 主要" in html


def test_department_head_sees_only_her_unit(client_for):
    nodes = client_for("head_a").get(reverse("org:units")).context["nodes"]
    assert [n.unit.name for n in nodes] == ["信息工程系"]


def test_outsider_sees_no_units(client_for):
    assert client_for("outsider").get(reverse("org:units")).context["nodes"] == []


def test_quality_office_can_load_the_plans_units_and_others_cannot(client_for):
    assert client_for("reviewer").post(reverse("org:units_load_default")).status_code == 403
    assert client_for("head_a").post(reverse("org:units_load_default")).status_code == 403
    response = client_for("officer").post(reverse("org:units_load_default"), follow=True)
    assert "护理系" in response.content.decode()
    assert any(n.unit.code == "jwc" for n in response.context["nodes"])
