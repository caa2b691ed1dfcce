"""Writes of the 目标责任书: generate a draft, sign (the school's side and the unit's or person's side), amend a
signed letter as a new version, replace the Word template. Audited; a signed letter is never changed."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from zhengai.audit.services import audit_record
from zhengai.goals import letters_template, selectors
from zhengai.goals.choices import LetterStatus
from zhengai.goals.models import Letter, LetterTemplate
from zhengai.lib import clock
from zhengai.org.models import OrgUnit

ISSUER, RECIPIENT = "issuer", "recipient"
SIDE_LABELS = {ISSUER: "学校方（甲方）", RECIPIENT: "责任方（乙方）"}


def can_manage_letters(user) -> bool:
    """质控中心 (and a superuser) generate and amend letters and own the template."""
    from zhengai.accounts.choices import Role

    if getattr(user, "is_read_only", False) or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.role == Role.QUALITY_OFFICE)


def letter_side(user, letter: Letter) -> str | None:
    """The side a user signs for: the letter's person or the unit's department head for the recipient;
    质控中心 or the committee (or a superuser) for the school. None when he is neither party."""
    from zhengai.accounts.choices import Role

    if getattr(user, "is_read_only", False) or not getattr(user, "is_authenticated", False):
        return None
    if letter.person_id is not None:
        if user.pk == letter.person_id:
            return RECIPIENT
    elif user.role == Role.DEPARTMENT_HEAD and user.org_unit_id == letter.unit_id:
        return RECIPIENT
    if user.is_superuser or user.role in (Role.QUALITY_OFFICE, Role.COMMITTEE):
        return ISSUER
    return None


def _template_in_use() -> LetterTemplate | None:
    return LetterTemplate.objects.filter(active=True).order_by("-uploaded_at", "-id").first()


def template_bytes(template: LetterTemplate | None) -> bytes:
    """An uploaded template's bytes, or the built-in template's."""
    if template is None:
        return letters_template.default_template_bytes()
    with template.file.open("rb") as handle:
        return handle.read()


def _signature(who, at) -> str:
    if who is None:
        return "未签署"
    role = f"（{who.get_role_display()}）" if hasattr(who, "get_role_display") else ""
    return f"{who}{role}于 {timezone.localtime(at):%Y-%m-%d %H:%M} 确认"


def letter_context(letter: Letter) -> dict:
    """The template variables of a letter, from its stored snapshot and its signatures."""
    c = letter.content
    unit, person = c["unit"]["name"], (c["person"] or {}).get("name", "")
    rows = []
    for i, g in enumerate(c["goals"], start=1):
        targets = "\n".join(t["text"] for t in g["targets"]) or "（无绑定指标，按核验人意见）"
        rows.append({"no": i, "title": g["title"], "targets": targets, "weight": f"{g['weight']}（{g['share']:g}%）",
                     "assessment": g["assessment"]})  # fmt: skip
    tasks = [{"no": i, "title": t["title"], "due": t["due_date"] or t["due_text"] or "时间待定"}
             for i, t in enumerate(c["tasks"], start=1)]  # fmt: skip
    if letter.version > 1:
        note = f"第 {letter.version} 版，修订自第 {letter.version - 1} 版；修订原因：{letter.reason}"
    else:
        note = "第 1 版"
    return {
        "title": f"{c['period']} 学年 {unit}{' ' + person if person else ''} 目标责任书",
        "year_label": c["period"], "unit_name": unit, "person_name": person,
        "issuer": "学院（质量保证委员会、质量监督与控制中心）",
        "recipient": f"{unit} {person}" if person else unit,
        "rows": rows, "empty_goals": "" if rows else f"{unit}{person}在 {c['period']} 学年没有设定目标值的目标。",
        "tasks": tasks, "empty_tasks": "" if tasks else f"{c['period']} 学年没有分配给{person or unit}的任务。",
        "issuer_signature": _signature(letter.issuer_signed_by, letter.issuer_signed_at),
        "recipient_signature": _signature(letter.recipient_signed_by, letter.recipient_signed_at),
        "version": letter.version, "version_note": note,
        "generated_at": timezone.localtime(clock.parse(c["as_of"])).strftime("%Y-%m-%d %H:%M"),
        "source": f"数据来源：{c['source']}",
    }  # fmt: skip


def _render_file(letter: Letter) -> tuple[str, bytes]:
    data = letters_template.render(template_bytes(letter.template), letter_context(letter))
    who = f"-p{letter.person_id}" if letter.person_id else ""
    return f"{letter.year}-{letter.unit.code}{who}-v{letter.version}.docx", data


def _store_file(letter: Letter) -> None:
    """(Re)write a not-yet-locked letter's Word file and its hash, replacing the previous file."""
    name, data = _render_file(letter)
    old = letter.docx.name if letter.docx else ""
    letter.docx.save(name, ContentFile(data), save=False)
    letter.sha256 = hashlib.sha256(data).hexdigest()
    Letter.objects.filter(pk=letter.pk).update(docx=letter.docx.name, sha256=letter.sha256)
    if old and old != letter.docx.name:
        letter.docx.storage.delete(old)


def _latest(unit: OrgUnit, year: int, person) -> Letter | None:
    return Letter.objects.filter(unit=unit, year=year, person=person).order_by("-version").first()


@transaction.atomic
def letter_generate(*, unit: OrgUnit, year: int, person: Any = None, by: Any) -> Letter:
    """Draft version 1 of a unit's (or a person's) letter for a 学年, or regenerate the current unsigned draft
    from today's goals and tasks. Refused once anyone has signed: a signed letter is changed by amending it."""
    if not can_manage_letters(by):
        raise ValidationError("只有质控中心可以生成目标责任书")
    latest = _latest(unit, year, person)
    if latest is not None and latest.status == LetterStatus.AWAITING:
        raise ValidationError(f"“{latest}”已有一方签署，不能重新生成；请双方签署后再修订")
    if latest is not None and latest.status != LetterStatus.DRAFT:
        raise ValidationError(f"“{latest}”已签署，不能重新生成；如需变更请修订（生成新版本并写明原因）")
    content = selectors.letter_content(unit=unit, year=year, person=person)
    template = _template_in_use()
    if latest is None:
        try:
            with transaction.atomic():  # a savepoint: a second request generating the same letter loses cleanly
                letter = Letter.objects.create(unit=unit, person=person, year=year, version=1, content=content,
                                               template=template, created_by=by)  # fmt: skip
        except IntegrityError:
            raise ValidationError("这份目标责任书刚刚已由另一请求生成，请刷新页面后查看") from None
        before = None
    else:
        letter, before = latest, {"goals": len(latest.content.get("goals", [])), "sha256": latest.sha256}
        Letter.objects.filter(pk=letter.pk).update(content=content, template=template, created_by=by)
        letter.content, letter.template, letter.created_by = content, template, by
    _store_file(letter)
    after = {"year": year, "version": letter.version, "goals": len(content["goals"]), "tasks": len(content["tasks"]),
             "sha256": letter.sha256, "template": template.pk if template else "内置"}  # fmt: skip
    audit_record(actor=by, action="生成目标责任书" if before is None else "重新生成目标责任书草稿", obj=letter,
                 before=before, after=after)  # fmt: skip
    return letter


def letters_generate(*, year: int, units: list[OrgUnit], by: Any) -> list[tuple[OrgUnit, Letter | None, str]]:
    """Generate (or regenerate the draft of) the letters of several units; each unit's outcome with the reason
    a unit was skipped (one already signed, say). Each unit in its own transaction."""
    out = []
    for unit in units:
        try:
            out.append((unit, letter_generate(unit=unit, year=year, by=by), ""))
        except ValidationError as exc:
            out.append((unit, None, "；".join(exc.messages)))
    return out


@transaction.atomic
def letter_sign(*, letter: Letter, by: Any) -> Letter:
    """Record `by`'s confirmation for his side. Both sides signed: 已签署 and locked. A second signature for the
    same side (a double submit, say) is refused and records nothing: the update only fills an empty side."""
    side = letter_side(by, letter)
    if side is None:
        raise ValidationError("您不是这份目标责任书的签署方（学校方为质控中心或校领导，责任方为部门负责人或本人）")
    if letter.status == LetterStatus.SUPERSEDED:
        raise ValidationError(f"“{letter}”已被修订，请签署最新版本")
    now = clock.now()
    updated = (
        Letter.objects.filter(pk=letter.pk, **{f"{side}_signed_by__isnull": True})
        .exclude(status=LetterStatus.SUPERSEDED)
        .update(**{f"{side}_signed_by": by, f"{side}_signed_at": now})
    )
    letter.refresh_from_db()
    if not updated:
        who, at = getattr(letter, f"{side}_signed_by"), getattr(letter, f"{side}_signed_at")
        if letter.status == LetterStatus.SUPERSEDED:
            raise ValidationError(f"“{letter}”已被修订，请签署最新版本")
        raise ValidationError(
            f"{SIDE_LABELS[side]}已由{who}于 {timezone.localtime(at):%Y-%m-%d %H:%M} 签署，不能重复签署"
        )
    both = letter.issuer_signed_by_id is not None and letter.recipient_signed_by_id is not None
    status = LetterStatus.SIGNED if both else LetterStatus.AWAITING
    _store_file(letter)  # the file shows who confirmed and when; written before the letter locks
    Letter.objects.filter(pk=letter.pk).update(status=status)
    letter.status = status
    audit_record(actor=by, action="签署目标责任书", obj=letter, before=None,
                 after={"side": side, "status": status, "sha256": letter.sha256})  # fmt: skip
    return letter


@transaction.atomic
def letter_amend(*, letter: Letter, reason: str, by: Any) -> Letter:
    """A signed letter changes only by a new version: a draft n+1 with today's goals and tasks and the reason;
    the signed version is marked 已被修订 and kept, its file unchanged."""
    if not can_manage_letters(by):
        raise ValidationError("只有质控中心可以修订目标责任书")
    if not reason.strip():
        raise ValidationError({"reason": "请写明修订原因"})
    locked = Letter.objects.select_for_update().get(pk=letter.pk)
    if locked.status != LetterStatus.SIGNED:
        raise ValidationError(f"只有已签署的责任书可以修订；“{locked}”{locked.get_status_display()}")
    latest = _latest(locked.unit, locked.year, locked.person)
    if latest.pk != locked.pk:
        raise ValidationError(f"“{locked}”已有更新的版本（第 {latest.version} 版）")
    new = Letter.objects.create(
        unit=locked.unit, person=locked.person, year=locked.year, version=locked.version + 1, amends=locked,
        reason=reason.strip(), template=_template_in_use(), created_by=by,
        content=selectors.letter_content(unit=locked.unit, year=locked.year, person=locked.person),
    )  # fmt: skip
    _store_file(new)
    Letter.objects.filter(pk=locked.pk).update(status=LetterStatus.SUPERSEDED)
    before = {"version": locked.version, "sha256": locked.sha256}
    after = {"version": new.version, "reason": new.reason, "sha256": new.sha256}
    audit_record(actor=by, action="修订目标责任书", obj=new, before=before, after=after)
    letter.status = LetterStatus.SUPERSEDED
    return new


@transaction.atomic
def letter_template_upload(*, file, note: str = "", by: Any) -> LetterTemplate:
    """A new Word template for the letters from now on (letters already generated keep theirs). Refused with
    the reason when it is not a .docx or needs variables the platform does not provide."""
    if not can_manage_letters(by):
        raise ValidationError("只有质控中心可以更换目标责任书模板")
    data = file.read()
    letters_template.template_check(data)
    template = LetterTemplate(note=note.strip(), uploaded_by=by)
    template.file.save("letter_template.docx", ContentFile(data), save=False)
    template.save()
    audit_record(actor=by, action="上传目标责任书模板", obj=template, before=None,
                 after={"note": template.note, "sha256": hashlib.sha256(data).hexdigest()})  # fmt: skip
    return template


@transaction.atomic
def letter_template_deactivate(*, template: LetterTemplate, by: Any) -> LetterTemplate:
    """Stop using an uploaded template (the previous active one, or the built-in one, is used again)."""
    if not can_manage_letters(by):
        raise ValidationError("只有质控中心可以更换目标责任书模板")
    LetterTemplate.objects.filter(pk=template.pk).update(active=False)
    template.active = False
    audit_record(actor=by, action="停用目标责任书模板", obj=template, before={"active": True}, after={"active": False})
    return template
