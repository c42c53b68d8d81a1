from django.contrib.admin.apps import AdminConfig


class EditorialAdminConfig(AdminConfig):
    default_site = "editorial.admin_site.EditorialAdminSite"
