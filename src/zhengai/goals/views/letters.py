"""Pages of the 目标责任书: the list of a 学年, one letter with its versions, signing, amending, generating,
downloads, and the Word template 质控中心 owns."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from zhengai.goals import selectors, services
from zhengai.goals.choices import LETTER_STATUS_COLOURS, LetterStatus
from zhengai.goals.models import Letter, LetterTemplate
from zhengai.goals.views.common import chosen_year as _chosen_year
from zhengai.goals.views.common import years as _years
from zhengai.lib import clock
from zhengai.lib.periods import academic_year_of

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _colours() -> dict[str, str]:
    return {str(k): v for k, v in LETTER_STATUS_COLOURS.items()}


def _active_units():
    from zhengai.org.models import OrgUnit

    return list(OrgUnit.objects.filter(active=True).order_by("order", "code"))


def _letter_or_404(request: HttpRequest, pk: int) -> Letter:
    letter = (
        Letter.objects.select_related("unit", "person", "issuer_signed_by", "recipient_signed_by", "amends")
        .filter(pk=pk)
        .first()
    )
    if letter is None or not selectors.can_see_letter(request.user, letter):
        raise Http404("没有这份目标责任书，或您无权查看")
    return letter


def _refusal(request: HttpRequest, what: str, exc: ValidationError) -> None:
    messages.error(request, f"{what}：" + "；".join(exc.messages))


@require_GET
def letters(request: HttpRequest) -> HttpResponse:
    """目标责任书 of a 学年: each unit's latest version, worst first (not generated, draft, awaiting, signed)."""
    have = set(Letter.objects.values_list("year", flat=True))
    years = sorted(set(_years()) | have, reverse=True)
    year = _chosen_year(request, years)
    manage = services.can_manage_letters(request.user)
    rows = selectors.letter_rows(request.user, year, units=_active_units() if manage else ())
    counts = {s: sum(1 for r in rows if r.latest and r.latest.status == s) for s in LetterStatus.values}
    context = {
        "rows": rows, "year": year, "years": [(y, f"{y}-{y + 1}学年") for y in years], "can_manage": manage,
        "colours": _colours(), "missing": sum(1 for r in rows if r.latest is None), "counts": counts,
        "units": _active_units() if manage else [], "today": clock.today(),
    }  # fmt: skip
    return render(request, "goals/letters/list.html", context)


@require_GET
def letter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One letter: what it commits to, its versions with downloads, and what the user may do with it."""
    letter = _letter_or_404(request, pk)
    versions = list(
        Letter.objects.filter(unit=letter.unit, person=letter.person, year=letter.year)
        .select_related("issuer_signed_by", "recipient_signed_by", "created_by")
        .order_by("-version")
    )
    side = services.letter_side(request.user, letter)
    open_ = letter.status in (LetterStatus.DRAFT, LetterStatus.AWAITING)
    can_sign = bool(side and open_ and getattr(letter, f"{side}_signed_by_id") is None)
    manage = services.can_manage_letters(request.user)
    context = {
        "letter": letter, "versions": versions, "latest": versions[0], "colours": _colours(), "side": side,
        "side_label": services.letters.SIDE_LABELS.get(side, ""), "can_sign": can_sign,
        "can_amend": manage and letter.status == LetterStatus.SIGNED,
        "can_regenerate": manage and letter.status == LetterStatus.DRAFT,
        "context": services.letter_context(letter),
    }  # fmt: skip
    return render(request, "goals/letters/detail.html", context)


@require_GET
def letter_download(request: HttpRequest, pk: int) -> FileResponse:
    """The Word file of one version, exactly as stored (its SHA-256 is on the letter's page)."""
    letter = _letter_or_404(request, pk)
    if not letter.docx:
        raise Http404("这份目标责任书还没有文件")
    person = f"（{letter.person}）" if letter.person_id else ""
    name = f"{letter.year}-{letter.year + 1}学年{letter.unit.name}{person}目标责任书（第{letter.version}版）.docx"
    return FileResponse(letter.docx.open("rb"), as_attachment=True, filename=name, content_type=DOCX)


@require_POST
def letter_sign(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _letter_or_404(request, pk)
    try:
        letter = services.letter_sign(letter=letter, by=request.user)
    except ValidationError as exc:
        _refusal(request, "未签署", exc)
    else:
        done = "双方均已签署，责任书已锁定" if letter.status == LetterStatus.SIGNED else "等待另一方签署"
        messages.success(request, f"已签署“{letter}”：{done}")
    return redirect("goals:letter_detail", pk=letter.pk)


@require_POST
def letter_amend(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _letter_or_404(request, pk)
    if not services.can_manage_letters(request.user):
        raise PermissionDenied("只有质控中心可以修订目标责任书")
    try:
        new = services.letter_amend(letter=letter, reason=request.POST.get("reason", ""), by=request.user)
    except ValidationError as exc:
        _refusal(request, "未修订", exc)
        return redirect("goals:letter_detail", pk=letter.pk)
    messages.success(request, f"已生成第 {new.version} 版草稿，第 {letter.version} 版标为已被修订并保留")
    return redirect("goals:letter_detail", pk=new.pk)


@require_POST
def letter_generate(request: HttpRequest) -> HttpResponse:
    """Generate one unit's (or one person's) letter, or the letters of the teaching departments / all units."""
    from django.contrib.auth import get_user_model

    if not services.can_manage_letters(request.user):
        raise PermissionDenied("只有质控中心可以生成目标责任书")
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        year = academic_year_of(clock.today()).start_year
    back = f"{reverse('goals:letters')}?year={year}"
    units = _active_units()
    scope = request.POST.get("scope", "")
    if scope in ("teaching", "all"):
        chosen = [u for u in units if scope == "all" or u.is_teaching_department]
        outcomes = services.letters_generate(year=year, units=chosen, by=request.user)
        made = [u.name for u, letter, _ in outcomes if letter]
        skipped = [f"{u.name}（{why}）" for u, letter, why in outcomes if letter is None]
        messages.success(request, f"已生成或更新 {len(made)} 份草稿" + (f"：{'、'.join(made)}" if made else ""))
        if skipped:
            messages.warning(request, f"{len(skipped)} 个部门未生成：" + "；".join(skipped))
        return redirect(back)
    unit = next((u for u in units if u.code == request.POST.get("unit", "")), None)
    if unit is None:
        messages.error(request, "未生成：请选择部门")
        return redirect(back)
    person = None
    username = request.POST.get("person", "").strip()
    if username:
        person = get_user_model().objects.filter(username=username, is_active=True).first()
        if person is None:
            messages.error(request, f"未生成：没有用户名为“{username}”的用户")
            return redirect(back)
    try:
        letter = services.letter_generate(unit=unit, year=year, person=person, by=request.user)
    except ValidationError as exc:
        _refusal(request, "未生成", exc)
        return redirect(back)
    messages.success(request, f"已生成“{letter}”草稿")
    return redirect("goals:letter_detail", pk=letter.pk)


def letter_template(request: HttpRequest) -> HttpResponse:
    """The Word template of the letters: download the one in use, upload a replacement, stop using one."""
    from zhengai.goals import letters_template

    if not services.can_manage_letters(request.user):
        raise PermissionDenied("只有质控中心可以管理目标责任书模板")
    templates = list(LetterTemplate.objects.select_related("uploaded_by"))
    in_use = next((t for t in templates if t.active), None)
    if request.method == "GET" and request.GET.get("download"):
        chosen = next((t for t in templates if str(t.pk) == request.GET["download"]), None)
        data = services.template_bytes(chosen)
        name = f"目标责任书模板（{'#' + str(chosen.pk) if chosen else '内置'}）.docx"
        from django.core.files.base import ContentFile

        return FileResponse(ContentFile(data), as_attachment=True, filename=name, content_type=DOCX)
    errors = []
    if request.method == "POST":
        try:
            if request.POST.get("deactivate"):
                chosen = next((t for t in templates if str(t.pk) == request.POST["deactivate"]), None)
                if chosen is None:
                    raise Http404("没有这个模板")
                services.letter_template_deactivate(template=chosen, by=request.user)
                messages.success(request, f"已停用{chosen}")
                return redirect("goals:letter_template")
            upload = request.FILES.get("file")
            if upload is None:
                raise ValidationError({"file": "请选择要上传的 .docx 文件"})
            template = services.letter_template_upload(file=upload, note=request.POST.get("note", ""), by=request.user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, f"已上传{template}，此后生成的责任书使用它")
            return redirect("goals:letter_template")
    context = {
        "templates": templates, "in_use": in_use, "errors": errors, "variables": letters_template.VARIABLES.items(),
    }  # fmt: skip
    return render(request, "goals/letters/template.html", context, status=400 if errors else 200)
