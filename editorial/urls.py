from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Editorial back office"
admin.site.site_title = "Editorial"
admin.site.index_title = "Review workflow"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("articles.urls")),
]
