from django.contrib import admin
from django.urls import include, path
from django_rq import stats_views
from django_rq import urls as rq_urls

from config.api import api
from core.collectors import metrics_view
from core.roles import operators_only
from moderation import views as moderation_views

admin.site.site_header = "«Ты не один» — модерация"
admin.site.site_title = "«Ты не один»"
admin.site.index_title = "Рабочее место модератора"
admin.site.site_url = None  # no public site: no "view site" link
# The app list is on the index page; beside a list with filters it cut off the right-hand columns.
admin.site.enable_nav_sidebar = False


def _rq_view(view):
    """Any staff member may read the queues' counts; only operators open jobs or act on them."""
    return admin.site.admin_view(view if view is stats_views.stats else operators_only(view))


rq_patterns = rq_urls.get_api_urlpatterns() + rq_urls.get_admin_urlpatterns(view_wrapper=_rq_view)

urlpatterns = [
    path("admin/rq/", include((rq_patterns, "django_rq"))),
    path("admin/moderation/queue/", admin.site.admin_view(moderation_views.queue), name="moderation-queue"),
    path(
        "admin/moderation/case/<slug:kind>/<int:pk>/",
        admin.site.admin_view(moderation_views.case),
        name="moderation-case",
    ),
    path("admin/kpi/", admin.site.admin_view(moderation_views.dashboard), name="kpi-dashboard"),
    path("admin/exports/", admin.site.admin_view(moderation_views.exports_index), name="exports"),
    path(
        "admin/exports/<slug:name>.csv", admin.site.admin_view(moderation_views.export_csv), name="export-csv"
    ),
    path("admin/", admin.site.urls),
    path("metrics", metrics_view, name="prometheus-metrics"),
    path("", api.urls),
]
