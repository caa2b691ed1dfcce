from django.contrib import admin

from zhengai.goals.models import Goal, GoalReview, Letter, LetterTemplate, Plan, Target


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "level", "start_year", "end_year", "owner_unit")


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ("title", "level", "entity_kind", "entity_key", "owner_unit", "rollup", "status")
    list_filter = ("level", "rollup", "status")
    inlines = [TargetInline]


admin.site.register(GoalReview)


@admin.register(Letter)
class LetterAdmin(admin.ModelAdmin):
    """Read-only: letters are generated, signed and amended through the app, never edited here."""

    list_display = ("__str__", "status", "issuer_signed_by", "recipient_signed_by", "created_at")
    list_filter = ("year", "status")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


admin.site.register(LetterTemplate)
