from django.contrib import admin

from zhengai.goals.models import Goal, GoalReview, Plan, Target


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
