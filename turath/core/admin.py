from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin

from .auth import ThrottledAuthenticationMixin
from .models import Agency, AuditEntry, User


class AdminLoginForm(ThrottledAuthenticationMixin, AdminAuthenticationForm):
    """The admin's sign-in says when a lockout is in force, like the site's (the backend refuses either way)."""


admin.site.login_form = AdminLoginForm


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "kind", "country")
    list_filter = ("kind", "country")
    search_fields = ("code", "name_en", "name_fr", "name_ar")


@admin.register(User)
class TurathUserAdmin(UserAdmin):
    list_display = ("username", "agency", "role", "is_active")
    list_filter = ("role", "agency__country")
    fieldsets = UserAdmin.fieldsets + (("Turath", {"fields": ("agency", "role", "preferred_language")}),)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("seq", "at", "username", "agency_code", "action", "object_type", "object_id")
    list_filter = ("action",)
    search_fields = ("object_id", "username")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
