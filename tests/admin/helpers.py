"""Addresses and reads shared by the back office's tests."""

from __future__ import annotations

from django.urls import reverse

from articles.models import Article


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def action_url(article, name) -> str:
    return reverse("admin:articles_article_transition", args=[article.pk, name])


def reload(article) -> Article:
    return Article.objects.get(pk=article.pk)
