"""Admin screens through which the secretariat amends the configured lists, criteria and calendar."""

from django.contrib import admin

from .models import CalendarDeadline, CriteriaSet, Criterion, HeritageList


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0
    fields = ("code", "group", "order", "text_en", "text_fr", "text_ar", "active", "amended")


@admin.register(CriteriaSet)
class CriteriaSetAdmin(admin.ModelAdmin):
    list_display = ("key", "name_en")
    inlines = [CriterionInline]


@admin.register(HeritageList)
class HeritageListAdmin(admin.ModelAdmin):
    list_display = ("key", "name_en", "criteria_set", "has_preliminary", "accepts_nominations", "attribution")


@admin.register(CalendarDeadline)
class CalendarDeadlineAdmin(admin.ModelAdmin):
    list_display = ("key", "day", "month", "label_en")
