from django.contrib import admin
from django.urls import include, path

from config.api import api
from core.collectors import metrics_view
from moderation import views as moderation_views

admin.site.site_header = "«Ты не один» — модерация"
admin.site.site_title = "«Ты не один»"
admin.site.index_title = "Рабочее место модератора"

urlpatterns = [
    path("admin/rq/", include("django_rq.urls")),
    path("admin/moderation/queue/", admin.site.admin_view(moderation_views.queue), name="moderation-queue"),
    path("admin/kpi/", admin.site.admin_view(moderation_views.dashboard), name="kpi-dashboard"),
    path("admin/exports/", admin.site.admin_view(moderation_views.exports_index), name="exports"),
    path(
        "admin/exports/<slug:name>.csv", admin.site.admin_view(moderation_views.export_csv), name="export-csv"
    ),
    path("admin/", admin.site.urls),
    path("metrics", metrics_view, name="prometheus-metrics"),
    path("", api.urls),
]
