"""Django admin for the master data and the 五纵五横 architecture (Chinese labels come from the models).

Architecture cells are edited on the matrix page, where every change is audited; here they are read-only.
"""

from django.contrib import admin

from zhengai.org.models import (
    AcademicYear,
    ArchitectureCell,
    ArchitectureItem,
    ArchitectureRow,
    Chain,
    Course,
    Level,
    Major,
    OrgUnit,
    OrgUnitSystem,
    SchoolClass,
    Student,
    System,
    Teacher,
    Term,
)


@admin.register(Level)
class LevelAdmin(admin.ModelAdmin):
    list_display = ["order", "code", "name"]
    list_display_links = ["name"]


@admin.register(System)
class SystemAdmin(admin.ModelAdmin):
    list_display = ["order", "code", "name"]
    list_display_links = ["name"]


@admin.register(Chain)
class ChainAdmin(admin.ModelAdmin):
    list_display = ["order", "code", "name"]
    list_display_links = ["name"]


class ArchitectureCellInline(admin.TabularInline):
    model = ArchitectureCell
    fields = ["level", "version"]
    readonly_fields = ["level", "version"]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ArchitectureRow)
class ArchitectureRowAdmin(admin.ModelAdmin):
    list_display = ["order", "group_label", "aspect", "system", "chain"]
    list_display_links = ["group_label"]
    list_select_related = ["system", "chain"]
    inlines = [ArchitectureCellInline]


class ArchitectureItemInline(admin.TabularInline):
    model = ArchitectureItem
    fields = ["order", "text"]
    readonly_fields = ["order", "text"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ArchitectureCell)
class ArchitectureCellAdmin(admin.ModelAdmin):
    """Read-only: edit cells on the matrix page so that the change is audited with before/after."""

    list_display = ["row", "level", "version"]
    list_filter = ["level", "row__system"]
    list_select_related = ["row", "level"]
    readonly_fields = ["row", "level", "version"]
    inlines = [ArchitectureItemInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OrgUnitSystemInline(admin.TabularInline):
    model = OrgUnitSystem
    fields = ["system", "primary", "responsibility"]
    extra = 0


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "short_name", "kind", "parent", "head_name", "order", "active"]
    list_display_links = ["code", "name"]
    list_filter = ["kind", "active", "systems"]
    list_select_related = ["parent"]
    search_fields = ["code", "name", "short_name"]
    autocomplete_fields = ["parent"]
    inlines = [OrgUnitSystemInline]


@admin.register(Teacher)
class TeacherAdmin(admin.ModelAdmin):
    list_display = [
        "staff_no",
        "name",
        "department",
        "category",
        "title",
        "degree",
        "is_dual_qualified",
        "active",
    ]
    list_display_links = ["staff_no", "name"]
    list_filter = ["category", "title", "degree", "is_dual_qualified", "stage", "active", "department"]
    list_select_related = ["department"]
    search_fields = ["staff_no", "name"]
    autocomplete_fields = ["department"]


@admin.register(Major)
class MajorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "tier", "department", "leader", "duration_years", "active"]
    list_display_links = ["code", "name"]
    list_filter = ["tier", "active", "department"]
    list_select_related = ["department", "leader"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["department", "leader"]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "department", "major", "credits", "leader", "active"]
    list_display_links = ["code", "name"]
    list_filter = ["kind", "active", "department"]
    list_select_related = ["department", "major", "leader"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["department", "major", "leader"]


@admin.register(SchoolClass)
class SchoolClassAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "major", "cohort", "adviser"]
    list_display_links = ["code", "name"]
    list_filter = ["cohort", "major__department"]
    list_select_related = ["major", "adviser"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["major", "adviser"]


@admin.register(Student)
class StudentAdmin(admin.ModelAdmin):
    list_display = ["student_no", "name", "gender", "major", "school_class", "cohort", "status"]
    list_display_links = ["student_no", "name"]
    list_filter = ["status", "cohort", "gender", "major__department"]
    list_select_related = ["major", "school_class"]
    # A student number is searched by prefix, which stays fast with tens of thousands of rows.
    search_fields = ["^student_no", "name"]
    autocomplete_fields = ["major", "school_class"]
    show_full_result_count = False


class ReadOnlyCalendar:
    """The calendar is kept on its page (系统设置 › 校历), where every change is validated and audited."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class TermInline(ReadOnlyCalendar, admin.TabularInline):
    model = Term
    fields = ["kind", "code", "start", "end", "teaching_weeks"]
    extra = 0


@admin.register(AcademicYear)
class AcademicYearAdmin(ReadOnlyCalendar, admin.ModelAdmin):
    list_display = ["__str__", "start", "end", "census_day"]
    inlines = [TermInline]


@admin.register(Term)
class TermAdmin(ReadOnlyCalendar, admin.ModelAdmin):
    list_display = ["code", "academic_year", "kind", "start", "end", "teaching_weeks"]
    list_filter = ["academic_year", "kind"]
    search_fields = ["code"]
