from django.contrib import admin
from django.urls import include, path

from config.api import api
from core.collectors import metrics_view

admin.site.site_header = "«Ты не один» — модерация"
admin.site.site_title = "«Ты не один»"
admin.site.index_title = "Рабочее место модератора"

urlpatterns = [
    path("admin/rq/", include("django_rq.urls")),
    path("admin/", admin.site.urls),
    path("metrics", metrics_view, name="prometheus-metrics"),
    path("", api.urls),
]
