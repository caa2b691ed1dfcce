"""目标责任书: generated from a unit's goals, targets and tasks of a 学年, signed by both sides and then locked,
changed only by a new version with a reason; every version stays downloadable to those who may see it."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import docx
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from zhengai.audit.models import AuditRecord
from zhengai.goals.choices import LetterStatus, Rollup, TaskKind, Verification
from zhengai.goals.models import Letter, Task
from zhengai.goals.services import goal_create, letter_amend, letter_generate, letter_sign, target_set
from zhengai.indicators.services import indicator_create
from zhengai.lib import clock
from zhengai.monitoring.tests.college import REPORT_RATE
from zhengai.org.services import calendar_ensure

pytestmark = pytest.mark.django_db

YEAR = 2026
NOW = dt.datetime(2026, 10, 12, 9, 30)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def unit_goals(cast, settings, tmp_path):
    """信息工程系 for 2026-2027: two goals on 新生报到率 with weights 2 and 1, one checked by a reviewer,
    one task with a deadline; 护理系 has a goal of its own that must not appear in 信息系's letter."""
    settings.MEDIA_ROOT = tmp_path / "media"
    calendar_ensure(first_start_year=2025, last_start_year=2026)
    officer = cast.user("officer")
    indicator = indicator_create(raw=REPORT_RATE, by=officer)
    school = goal_create(title="建成省级优质高职院校", level="school", rollup=Rollup.ALL_COMPLETE, by=officer)
    software = goal_create(title="软件技术专业报到率不低于 92%", level="major", entity_kind="major",
                           entity_key="510203", owner_unit=cast.dept_a, weight=2, parents=[school],
                           by=officer)  # fmt: skip
    network = goal_create(title="计算机网络技术专业报到率不低于 85%", level="major", entity_kind="major",
                          entity_key="510202", owner_unit=cast.dept_a, weight=1, parents=[school],
                          by=officer)  # fmt: skip
    reviewed = goal_create(title="建成软件技术专业群实训基地", level="school", entity_kind="department",
                           entity_key="xxgc", owner_unit=cast.dept_a, verification=Verification.REVIEWER,
                           reviewer=cast.user("committee"), due_date=dt.date(2027, 6, 30), by=officer)  # fmt: skip
    nursing = goal_create(title="护理专业报到率不低于 95%", level="major", entity_kind="major", entity_key="520201",
                          owner_unit=cast.dept_b, by=officer)  # fmt: skip
    target_set(goal=software, indicator=indicator, period="2026-2027", value=0.92, by=officer)
    target_set(goal=software, indicator=indicator, period="2025-2026", value=0.9, by=officer)  # another 学年
    target_set(goal=network, indicator=indicator, period="2026-2027", value=0.85, by=officer)
    target_set(goal=nursing, indicator=indicator, period="2026-2027", value=0.95, by=officer)
    Task.objects.create(title="制定分专业建设规划", kind=TaskKind.UNIT, year=YEAR, owner_unit=cast.dept_a,
                        due_date=dt.date(2026, 12, 20))  # fmt: skip
    Task.objects.create(title="护理系的任务", kind=TaskKind.UNIT, year=YEAR, owner_unit=cast.dept_b)
    return {"software": software, "network": network, "reviewed": reviewed, "indicator": indicator}


def _read(data: bytes) -> docx.Document:
    return docx.Document(io.BytesIO(data))


def _letter_bytes(letter: Letter) -> bytes:
    with letter.docx.open("rb") as handle:
        return handle.read()


def _generate(cast) -> Letter:
    with clock.frozen(NOW):
        return letter_generate(unit=cast.dept_a, year=YEAR, by=cast.user("officer"))


def test_a_letter_holds_the_units_goals_with_targets_weights_and_assessment(cast, unit_goals):
    letter = _generate(cast)
    assert letter.version == 1 and letter.status == LetterStatus.DRAFT
    data = _letter_bytes(letter)
    assert hashlib.sha256(data).hexdigest() == letter.sha256
    document = _read(data)
    assert document.paragraphs[0].text == "2026-2027 学年 信息工程系 目标责任书"
    goals, tasks = document.tables
    assert [c.text for c in goals.rows[0].cells] == ["序号", "目标", "指标与目标值", "权重", "考核方式"]
    rows = [[c.text for c in r.cells] for r in goals.rows[1:]]
    assert [r[1] for r in rows] == ["软件技术专业报到率不低于 92%", "计算机网络技术专业报到率不低于 85%",
                                    "建成软件技术专业群实训基地"]  # fmt: skip
    # Only this 学年's target, in the units the indicator is shown in; weights with their share.
    assert rows[0][2] == "T-BDL 新生报到率（2026-2027）≥ 92.0%" and rows[1][2].endswith("≥ 85.0%")
    assert [r[3] for r in rows] == ["2（50%）", "1（25%）", "1（25%）"]
    assert rows[0][4] == "按绑定指标的监测值自动核验" and rows[2][4] == "由核验人刘院长凭佐证材料核验"
    assert [[c.text for c in r.cells] for r in tasks.rows[1:]] == [["1", "制定分专业建设规划", "2026-12-20"]]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "护理" not in text + str(rows)
    assert "甲方：学院（质量保证委员会、质量监督与控制中心）" in text and "乙方：信息工程系" in text
    assert "甲方签署：未签署" in text and "乙方签署：未签署" in text
    footer = document.sections[0].footer.paragraphs[0].text
    assert footer.startswith("数据来源：目标链") and "生成于 2026-10-12 09:30" in footer
    assert AuditRecord.objects.filter(action="生成目标责任书", object_id=str(letter.pk)).count() == 1


def test_both_parties_sign_then_the_letter_is_locked(cast, unit_goals):
    letter = _generate(cast)
    for wrong in ("outsider", "teacher", "reviewer"):
        with pytest.raises(ValidationError, match="不是这份目标责任书的签署方"):
            letter_sign(letter=letter, by=cast.user(wrong))
    from django.contrib.auth import get_user_model

    head_b = get_user_model().objects.create_user("head_b", role="department_head", org_unit=cast.dept_b)
    with pytest.raises(ValidationError, match="不是这份目标责任书的签署方"):
        letter_sign(letter=letter, by=head_b)
    with clock.frozen(dt.datetime(2026, 10, 13, 10, 0)):
        letter = letter_sign(letter=letter, by=cast.user("head_a"))
    assert letter.status == LetterStatus.AWAITING and letter.recipient_signed_by == cast.user("head_a")
    with clock.frozen(dt.datetime(2026, 10, 14, 16, 5)):
        letter = letter_sign(letter=letter, by=cast.user("committee"))
    assert letter.status == LetterStatus.SIGNED and letter.is_locked
    data = _letter_bytes(letter)
    assert hashlib.sha256(data).hexdigest() == letter.sha256
    text = "\n".join(p.text for p in _read(data).paragraphs)
    assert "甲方签署：刘院长（质量保证委员会）于 2026-10-14 16:05 确认" in text
    assert "乙方签署：何主任（部门负责人）于 2026-10-13 10:00 确认" in text
    with pytest.raises(ValidationError, match="学校方（甲方）已由刘院长于 2026-10-14 16:05 签署"):
        letter_sign(letter=letter, by=cast.user("officer"))

    # Locked: neither a regeneration nor a direct edit changes it.
    with pytest.raises(ValidationError, match="已签署，不能重新生成；如需变更请修订"):
        letter_generate(unit=cast.dept_a, year=YEAR, by=cast.user("officer"))
    letter.content = {**letter.content, "goals": []}
    with pytest.raises(ValidationError, match="已锁定"):
        letter.save()
    stored = Letter.objects.get(pk=letter.pk)
    assert len(stored.content["goals"]) == 3 and hashlib.sha256(_letter_bytes(stored)).hexdigest() == stored.sha256


def test_a_draft_is_regenerated_in_place_until_someone_signs(cast, unit_goals):
    first = _generate(cast)
    target_set(goal=unit_goals["network"], indicator=unit_goals["indicator"], period="2026-2027", value=0.88,
               by=cast.user("officer"))  # fmt: skip
    again = _generate(cast)
    assert again.pk == first.pk and Letter.objects.count() == 1 and again.sha256 != first.sha256
    assert _read(_letter_bytes(again)).tables[0].rows[2].cells[2].text.endswith("≥ 88.0%")
    letter_sign(letter=again, by=cast.user("officer"))
    with pytest.raises(ValidationError, match="已有一方签署，不能重新生成"):
        _generate(cast)
    with pytest.raises(ValidationError, match="只有质控中心可以生成"):
        letter_generate(unit=cast.dept_a, year=YEAR, by=cast.user("head_a"))


def test_a_double_submitted_signature_is_recorded_once(cast, unit_goals):
    letter = _generate(cast)
    stale = Letter.objects.get(pk=letter.pk)  # the same letter as a second request saw it
    letter_sign(letter=letter, by=cast.user("head_a"))
    with pytest.raises(ValidationError, match="不能重复签署"):
        letter_sign(letter=stale, by=cast.user("head_a"))
    assert AuditRecord.objects.filter(action="签署目标责任书").count() == 1
    assert Letter.objects.get(pk=letter.pk).status == LetterStatus.AWAITING


def _signed(cast) -> Letter:
    letter = _generate(cast)
    letter_sign(letter=letter, by=cast.user("head_a"))
    return letter_sign(letter=letter, by=cast.user("officer"))


def test_an_amendment_is_version_2_and_both_versions_download(cast, unit_goals, client_for):
    v1 = _signed(cast)
    with pytest.raises(ValidationError, match="请写明修订原因"):
        letter_amend(letter=v1, reason="  ", by=cast.user("officer"))
    with pytest.raises(ValidationError, match="只有质控中心可以修订"):
        letter_amend(letter=v1, reason="调整目标值", by=cast.user("head_a"))
    v1_bytes = _letter_bytes(v1)
    with clock.frozen(dt.datetime(2027, 3, 1, 9)):
        v2 = letter_amend(letter=v1, reason="软件技术专业扩招，调整报到率目标", by=cast.user("officer"))
    v1.refresh_from_db()
    assert v2.version == 2 and v2.amends == v1 and v2.status == LetterStatus.DRAFT
    assert v1.status == LetterStatus.SUPERSEDED and _letter_bytes(v1) == v1_bytes
    with pytest.raises(ValidationError, match="已被修订，请签署最新版本"):
        letter_sign(letter=v1, by=cast.user("committee"))
    with pytest.raises(ValidationError, match="只有已签署的责任书可以修订"):
        letter_amend(letter=v2, reason="再改", by=cast.user("officer"))

    client = client_for("head_a")
    got = {}
    for letter in (v1, v2):
        response = client.get(f"/goals/letters/{letter.pk}/download/")
        assert response.status_code == 200 and response["Content-Type"] == DOCX
        got[letter.version] = b"".join(response.streaming_content)
        assert "attachment" in response["Content-Disposition"]
    assert hashlib.sha256(got[1]).hexdigest() == v1.sha256 and got[1] != got[2]
    assert (
        "%E7%9B%AE%E6%A0%87%E8%B4%A3%E4%BB%BB%E4%B9%A6"
        in client.get(f"/goals/letters/{v2.pk}/download/")["Content-Disposition"]
    )  # 目标责任书 in the Chinese file name
    text = "\n".join(p.text for p in _read(got[2]).paragraphs)
    assert "第 2 版，修订自第 1 版；修订原因：软件技术专业扩招，调整报到率目标" in text


def test_a_bad_template_is_refused_and_a_good_one_is_used(cast, unit_goals, client_for):
    from zhengai.goals.letters_template import default_template_bytes

    client = client_for("officer")
    page = client.post("/goals/letters/template/", {"file": SimpleUploadedFile("a.docx", b"not a word file")})
    assert "这不是 Word 文档（.docx）" in page.content.decode()
    d = docx.Document(io.BytesIO(default_template_bytes()))
    d.add_paragraph("校长：{{ president }}，印章 {{ seal }}")
    out = io.BytesIO()
    d.save(out)
    page = client.post("/goals/letters/template/", {"file": SimpleUploadedFile("b.docx", out.getvalue())})
    assert "模板用到了平台不提供的变量：president、seal" in page.content.decode()
    from zhengai.goals.models import LetterTemplate

    assert not LetterTemplate.objects.exists()
    d = docx.Document(io.BytesIO(default_template_bytes()))
    d.paragraphs[0].runs[0].text = "【本校】{{ title }}"
    out = io.BytesIO()
    d.save(out)
    done = client.post("/goals/letters/template/", {"file": SimpleUploadedFile("c.docx", out.getvalue()),
                                                    "note": "加校名"})  # fmt: skip
    assert done.status_code == 302 and LetterTemplate.objects.get().note == "加校名"
    letter = _generate(cast)
    assert _read(_letter_bytes(letter)).paragraphs[0].text == "【本校】2026-2027 学年 信息工程系 目标责任书"
    assert client_for("head_a").get("/goals/letters/template/").status_code == 403


def test_the_head_of_another_unit_neither_sees_nor_downloads_it(cast, unit_goals, client_for, django_user_model):
    letter = _generate(cast)
    head_b = django_user_model.objects.create_user("head_b", role="department_head", org_unit=cast.dept_b)
    listing = client_for("head_a").get(f"/goals/letters/?year={YEAR}").content.decode()
    assert f'data-letter="{letter.pk}"' in listing
    client = client_for("head_a")
    client.force_login(head_b)
    assert f'data-letter="{letter.pk}"' not in client.get(f"/goals/letters/?year={YEAR}").content.decode()
    assert client.get(f"/goals/letters/{letter.pk}/").status_code == 404
    assert client.get(f"/goals/letters/{letter.pk}/download/").status_code == 404
    assert client.post(f"/goals/letters/{letter.pk}/sign/").status_code == 404
    assert Letter.objects.get(pk=letter.pk).recipient_signed_by is None


def test_the_office_generates_for_every_teaching_department_and_signs_in_the_page(cast, unit_goals, client_for):
    client = client_for("officer")
    empty = client.get(f"/goals/letters/?year={YEAR}").content.decode()
    assert "尚未生成" in empty
    with clock.frozen(NOW):
        done = client.post("/goals/letters/generate/", {"year": YEAR, "scope": "teaching"})
    assert done.status_code == 302
    assert sorted(Letter.objects.values_list("unit__code", flat=True)) == ["hlx", "xxgc"]
    letter = Letter.objects.get(unit=cast.dept_a)
    page = client_for("head_a").get(f"/goals/letters/{letter.pk}/").content.decode()
    assert 'id="sign-button"' in page and "软件技术专业报到率不低于 92%" in page
    client_for("head_a").post(f"/goals/letters/{letter.pk}/sign/")
    client_for("head_a").post(f"/goals/letters/{letter.pk}/sign/")  # a double submit
    assert AuditRecord.objects.filter(action="签署目标责任书").count() == 1
    officer = client_for("officer")
    listing = officer.get(f"/goals/letters/?year={YEAR}").content.decode()
    # Worst first: 护理系's unsigned draft before 信息系's letter awaiting the school's signature.
    assert listing.index('data-unit="hlx"') < listing.index('data-unit="xxgc"')
    # The school signs; the page then offers the amendment, which needs a reason.
    officer.post(f"/goals/letters/{letter.pk}/sign/")
    assert 'id="amend-form"' in officer.get(f"/goals/letters/{letter.pk}/").content.decode()
    refused = officer.post(f"/goals/letters/{letter.pk}/amend/", {"reason": " "}, follow=True).content.decode()
    assert "未修订：请写明修订原因" in refused and Letter.objects.filter(unit=cast.dept_a).count() == 1
    amended = officer.post(f"/goals/letters/{letter.pk}/amend/", {"reason": "新增任务"})
    new = Letter.objects.get(unit=cast.dept_a, version=2)
    assert amended["Location"] == f"/goals/letters/{new.pk}/"
    assert client_for("head_a").post(f"/goals/letters/{letter.pk}/amend/", {"reason": "x"}).status_code == 403


def test_a_personal_letter_is_signed_by_the_person_not_by_his_head(cast, unit_goals, client_for):
    teacher = cast.user("teacher")
    goal = goal_create(title="年度培训学时不少于 60", level="school", entity_kind="department", entity_key="xxgc",
                       owner_unit=cast.dept_a, owner=teacher, verification=Verification.REVIEWER,
                       reviewer=cast.user("head_a"), by=cast.user("officer"))  # fmt: skip
    with clock.frozen(NOW):
        letter = letter_generate(unit=cast.dept_a, year=YEAR, person=teacher, by=cast.user("officer"))
    assert [g["title"] for g in letter.content["goals"]] == [goal.title] and letter.content["tasks"] == []
    assert _read(_letter_bytes(letter)).paragraphs[0].text == "2026-2027 学年 信息工程系 李娜 目标责任书"
    with pytest.raises(ValidationError, match="不是这份目标责任书的签署方"):
        letter_sign(letter=letter, by=cast.user("head_a"))
    letter = letter_sign(letter=letter, by=teacher)
    assert letter.recipient_signed_by == teacher and letter.status == LetterStatus.AWAITING
    listing = client_for("teacher").get(f"/goals/letters/?year={YEAR}").content.decode()
    assert f'data-letter="{letter.pk}"' in listing
    # The unit's own letter is a separate one (version 1 as well).
    unit_letter = _generate(cast)
    assert unit_letter.pk != letter.pk and unit_letter.version == 1 and unit_letter.person is None
