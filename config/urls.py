from django.contrib import admin
from django.urls import include, path

from config.api import api

admin.site.site_header = "«Ты не один» — модерация"
admin.site.site_title = "«Ты не один»"
admin.site.index_title = "Рабочее место модератора"

urlpatterns = [
    path("admin/rq/", include("django_rq.urls")),
    path("admin/", admin.site.urls),
    path("", include("django_prometheus.urls")),
    path("", api.urls),
]
