"""Django admin for the data center: sources and their mappings; runs and dataset versions read-only.

Mapping columns, code maps and transforms are edited in the mapping editor (数据中心 › 数据源), which
previews them on a sample and audits every change; here they are shown, not edited.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from zhengai.datacenter.models import DatasetVersion, ImportRun, SourceMapping, SourceSystem


class SourceMappingInline(admin.TabularInline):
    model = SourceMapping
    fields = ["table", "locator", "header_row", "watermark_column", "order", "columns", "editor"]
    readonly_fields = ["columns", "editor"]
    extra = 0

    @admin.display(description="字段对应")
    def editor(self, obj: SourceMapping) -> str:
        if not obj.pk:
            return "保存后在映射编辑器中配置"
        url = reverse("datacenter:mapping_edit", args=[obj.source.code, obj.table])
        return format_html('<a href="{}">在映射编辑器中修改</a>', url)


@admin.register(SourceSystem)
class SourceSystemAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "owner_unit", "connector", "schedule_minutes", "expected_every_days",
                    "invalid_policy", "active"]  # fmt: skip
    list_display_links = ["code", "name"]
    list_filter = ["connector", "invalid_policy", "active"]
    search_fields = ["code", "name"]
    # The connection (URL, encrypted password) is set on the data center's settings page (数据源 › 编辑设置),
    # which keeps passwords out of the URL; here it is shown, not edited.
    readonly_fields = ["push_token_hash", "config"]
    exclude = ["secrets"]
    autocomplete_fields = ["owner_unit"]
    inlines = [SourceMappingInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written only by the import pipeline: visible here, never changed by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "source", "table", "status", "dry_run", "rows_total", "rows_new", "rows_updated",
                    "rows_invalid", "created_by", "created_at", "finished_at"]  # fmt: skip
    list_filter = ["status", "dry_run", "source", "table"]
    search_fields = ["table", "decision", "message"]
    date_hierarchy = "created_at"
    list_select_related = ["source", "created_by"]


@admin.register(DatasetVersion)
class DatasetVersionAdmin(ReadOnlyAdmin):
    list_display = ["table", "version", "row_count", "run", "created_at"]
    list_filter = ["table"]
    date_hierarchy = "created_at"
