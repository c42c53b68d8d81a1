"""The back office for articles: Django's admin, registered by importing its modules."""

from articles.admin import article, problem_reports  # noqa: F401
