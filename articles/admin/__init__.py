"""The back office for articles: Django's admin, registered by importing its modules.

Importing this package registers the model admins of ``article``, ``records``
and ``problem_reports`` with the admin site, and the endpoints of ``tools``
(reference lookup, Markdown preview), which belong to no model, as the
site's extra URLs.
"""

from django.contrib import admin

from articles.admin import article, problem_reports, records, tools  # noqa: F401

admin.site.register_urls(tools.admin_tool_urls())
