from django.contrib import admin

from moderation.models import Hotline


@admin.register(Hotline)
class HotlineAdmin(admin.ModelAdmin):
    list_display = ("name", "phone", "country", "order", "is_active")
    list_editable = ("order", "is_active")
    list_filter = ("country", "is_active")
    search_fields = ("name", "phone")
