"""The Word document of a 目标责任书: the built-in docxtpl template, the check of an uploaded one, rendering.

Pure: bytes in, bytes out, no database. The built-in template is written here with python-docx (so what it
says can be read in code review) and built in memory when no uploaded template is active; 质控中心 can
download it, edit it in Word and upload it back. An uploaded template may use only the VARIABLES below.
"""

from __future__ import annotations

import io
import zipfile

from django.core.exceptions import ValidationError

# The variables a template may use, each with what it holds (shown on the template page).
VARIABLES: dict[str, str] = {
    "title": "标题，如“2026-2027 学年 信息工程系 目标责任书”",
    "year_label": "学年，如 2026-2027",
    "unit_name": "部门名称",
    "person_name": "责任人姓名（个人责任书；部门责任书为空）",
    "issuer": "甲方（学校方）",
    "recipient": "乙方（责任部门或责任人）",
    "rows": "目标表的行，每行有 no 序号、title 目标、targets 指标与目标值、weight 权重、assessment 考核方式",
    "empty_goals": "没有目标时的说明（有目标时为空）",
    "tasks": "任务表的行，每行有 no 序号、title 任务、due 完成期限",
    "empty_tasks": "没有任务时的说明（有任务时为空）",
    "issuer_signature": "甲方签署：签署人与时间，或“未签署”",
    "recipient_signature": "乙方签署：签署人与时间，或“未签署”",
    "version": "版本号",
    "version_note": "版本说明（修订自哪一版、修订原因）",
    "generated_at": "生成时间",
    "source": "数据来源",
}

GOAL_COLUMNS = ("序号", "目标", "指标与目标值", "权重", "考核方式")
TASK_COLUMNS = ("序号", "任务", "完成期限")


def _font(run, name: str, size_pt: float | None = None, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if size_pt:
        run.font.size = Pt(size_pt)
    run.bold = bold


def _loop_table(doc, columns: tuple[str, ...], loop: str, cells: tuple[str, ...], widths_cm: tuple[float, ...]):
    """A table whose body is one row repeated by docxtpl's `{%tr for … %}` … `{%tr endfor %}`."""
    from docx.shared import Cm

    table = doc.add_table(rows=4, cols=len(columns))
    table.style = "Table Grid"
    for i, text in enumerate(columns):
        _font(table.rows[0].cells[i].paragraphs[0].add_run(text), "黑体", 10.5, bold=True)
    table.rows[1].cells[0].text = "{%tr for " + loop + " %}"
    for i, text in enumerate(cells):
        _font(table.rows[2].cells[i].paragraphs[0].add_run(text), "宋体", 10.5)
    table.rows[3].cells[0].text = "{%tr endfor %}"
    for row in table.rows:
        for i, width in enumerate(widths_cm):
            row.cells[i].width = Cm(width)
    return table


def default_template_bytes() -> bytes:
    """The built-in template: title, parties, the goals and tasks tables, signatures, version, source."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4
    section.left_margin = section.right_margin = Cm(2.2)
    normal = doc.styles["Normal"]
    normal.font.name = "宋体"
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia", "宋体"
    )

    def para(text: str, *, font: str = "宋体", size: float = 12, bold: bool = False, center: bool = False):
        p = doc.add_paragraph()
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(p.add_run(text), font, size, bold)
        return p

    para("{{ title }}", font="黑体", size=18, bold=True, center=True)
    para("{{ version_note }}", size=10.5, center=True)
    para("甲方：{{ issuer }}")
    para("乙方：{{ recipient }}")
    para(
        "为落实学校发展规划和年度工作要点，明确{{ year_label }}学年的目标与任务，甲乙双方签订本责任书。"
        "乙方对下列目标和任务负责，甲方按“考核方式”一栏考核。"
    )
    para("一、目标与考核", font="黑体", size=14, bold=True)
    _loop_table(doc, GOAL_COLUMNS, "r in rows", ("{{ r.no }}", "{{ r.title }}", "{{ r.targets }}",
                "{{ r.weight }}", "{{ r.assessment }}"), (1.2, 4.6, 5.0, 1.6, 4.2))  # fmt: skip
    para("{{ empty_goals }}", size=10.5)
    para("二、任务与完成期限", font="黑体", size=14, bold=True)
    _loop_table(doc, TASK_COLUMNS, "t in tasks", ("{{ t.no }}", "{{ t.title }}", "{{ t.due }}"), (1.2, 11.2, 4.2))
    para("{{ empty_tasks }}", size=10.5)
    para("三、签署", font="黑体", size=14, bold=True)
    para("甲方签署：{{ issuer_signature }}")
    para("乙方签署：{{ recipient_signature }}")
    para("本责任书经双方在平台上确认后锁定，不再修改；如需变更，生成新版本并写明修订原因，原版本保留备查。", size=10.5)
    footer = section.footer.paragraphs[0]
    _font(footer.add_run("{{ source }}；生成于 {{ generated_at }}；第 {{ version }} 版"), "宋体", 9)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def sample_context() -> dict:
    """Every variable with a harmless value: used to check that an uploaded template renders."""
    ctx: dict = {name: "示例" for name in VARIABLES}
    ctx["rows"] = [{"no": 1, "title": "示例目标", "targets": "示例指标 ≥ 1", "weight": "1", "assessment": "示例"}]
    ctx["tasks"] = [{"no": 1, "title": "示例任务", "due": "2026-12-31"}]
    ctx["version"] = 1
    return ctx


def template_check(data: bytes) -> None:
    """Refuse (in Chinese, naming the problem) a file that is not a Word .docx, cannot be parsed as a template,
    or needs variables the platform does not provide."""
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ValidationError({"file": "这不是 Word 文档（.docx）：请用 Word 或 WPS 另存为 .docx 后上传"})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if "word/document.xml" not in archive.namelist():
            raise ValidationError({"file": "这个压缩文件不是 Word 文档（.docx，缺少 word/document.xml）"})
    try:
        unknown = DocxTemplate(io.BytesIO(data)).get_undeclared_template_variables(context=sample_context())
    except TemplateError as exc:
        raise ValidationError({"file": f"模板中的占位符写法有误：{exc}"}) from None
    except Exception as exc:  # a damaged docx: python-docx raises its own errors
        raise ValidationError({"file": f"无法读取这个 Word 文档：{exc}"}) from None
    if unknown:
        names = "、".join(sorted(unknown))
        raise ValidationError({"file": f"模板用到了平台不提供的变量：{names}；可用的变量见本页下方的列表"})
    try:
        render(data, sample_context())
    except Exception as exc:
        raise ValidationError({"file": f"模板无法生成文档：{exc}"}) from None


def render(template: bytes, context: dict) -> bytes:
    """Fill the template; text is escaped, a line break in a value becomes a line break in Word."""
    from docxtpl import DocxTemplate

    doc = DocxTemplate(io.BytesIO(template))
    doc.render(context, autoescape=True)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
