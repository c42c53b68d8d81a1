"""The surrogate keys of the public site: what each page depends on, and what a change purges.

- ``article-<id>``: the article's page; purged by any transition of a public
  article (approval, retraction, a re-review starting or ending).
- ``version-<id>``: the page of that live version; purged when it stops being live.
- ``slug-<slug>``: whatever ``/articles/<slug>/`` answers, "not found" included;
  purged when an approval publishes at that address.
- ``live-set``: home, topics, search, feed, sitemap; purged when any article's
  live version changes.
- ``topic-<slug>``: the topic's page; purged when the topic is renamed, edited
  or removed.
- ``search``: search results; purged when the editors change a search synonym.
- ``board``: the advisory board page; purged when a board member, or their
  account, is edited (it lists each member's answers, so it carries
  ``live-set`` too).
- ``page-<slug>``: a site page (the editorial policy); purged when the editors
  change its text.
- ``site``: every shared page (editorial/httpcache.py); purged by
  ``manage.py purge_cache --all``, e.g. after a deployment.

Keys are plain words, digits and hyphens, so any cache takes them.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save, pre_save

from articles.models import Article, SearchSynonym, SitePage, Topic
from editorial.httpcache import SITE_KEY, cache_for_readers
from editorial.purge import purge_on_commit
from reviewers.models import BoardMember

LIVE_SET = "live-set"
BOARD = "board"
SEARCH = "search"
SITE = SITE_KEY


def article(pk: int) -> str:
    return f"article-{pk}"


def version(pk: int) -> str:
    return f"version-{pk}"


def address(slug: str) -> str:
    return f"slug-{slug}"


def topic(slug: str) -> str:
    return f"topic-{slug}"


def page(slug: str) -> str:
    return f"page-{slug}"


def for_api(request, *, version_ids=(), article_ids=(), listing: bool = False) -> None:
    """Mark a read-only API response as shared, under the keys of what it shows.

    For the read API: a response about versions names them and their
    articles; a list of live articles (``listing``) names the live set.
    """
    keys = [article(pk) for pk in article_ids] + [version(pk) for pk in version_ids]
    if listing:
        keys.append(LIVE_SET)
    cache_for_readers(request, *keys)


# --- What changes purge ----------------------------------------------------------------


def article_transitioned(article_: Article, *, live_before: int | None) -> None:
    """Purge what a transition changed on the public site; inside its transaction.

    A transition of an article that never was public changes nothing readers
    see. One that was or is public changes its page (the version shown, or
    only the "update under review" note); when the live version itself
    moved, every list and the page at the new address change too.
    """
    if live_before is None and article_.live_version_id is None:
        return
    keys = {article(article_.pk)}
    if live_before is not None:
        keys.add(version(live_before))
    if article_.live_version_id != live_before:
        # The page at the old address carries the article's key; the new
        # address may have been kept as "not found".
        keys |= {LIVE_SET, address(article_.slug)}
    purge_on_commit(keys)


def _purging() -> bool:
    return bool(settings.EDITORIAL_PURGE_URLS)


def _topic_before(sender, instance, **kwargs):
    if not _purging():
        return
    instance._slug_before = (
        sender.objects.filter(pk=instance.pk).values_list("slug", flat=True).first()
        if instance.pk
        else None
    )


def _topic_changed(sender, instance, **kwargs):
    slugs = {instance.slug, getattr(instance, "_slug_before", None)}
    purge_on_commit(topic(slug) for slug in slugs if slug)


def _page_before(sender, instance, **kwargs):
    _topic_before(sender, instance)


def _page_changed(sender, instance, **kwargs):
    slugs = {instance.slug, getattr(instance, "_slug_before", None)}
    purge_on_commit(page(slug) for slug in slugs if slug)


def _board_changed(sender, instance, **kwargs):
    purge_on_commit({BOARD})


def _synonyms_changed(sender, instance, **kwargs):
    # What a search finds for the readers' words changed; no answer did.
    purge_on_commit({SEARCH})


def _account_changed(sender, instance, update_fields=None, **kwargs):
    # A sign-in saves last_login alone: nothing the board page shows.
    if not _purging():
        return
    if update_fields is not None and set(update_fields) <= {"last_login", "password"}:
        return
    if BoardMember.objects.filter(user_id=instance.pk).exists():
        purge_on_commit({BOARD})


def connect() -> None:
    """Wire the purges of the pages that follow the editors' tables (from AppConfig.ready)."""
    pre_save.connect(_topic_before, sender=Topic, dispatch_uid="surrogate_topic_before")
    post_save.connect(_topic_changed, sender=Topic, dispatch_uid="surrogate_topic_saved")
    post_delete.connect(_topic_changed, sender=Topic, dispatch_uid="surrogate_topic_deleted")
    pre_save.connect(_page_before, sender=SitePage, dispatch_uid="surrogate_page_before")
    post_save.connect(_page_changed, sender=SitePage, dispatch_uid="surrogate_page_saved")
    post_delete.connect(_page_changed, sender=SitePage, dispatch_uid="surrogate_page_deleted")
    post_save.connect(
        _synonyms_changed, sender=SearchSynonym, dispatch_uid="surrogate_synonym_saved"
    )
    post_delete.connect(
        _synonyms_changed, sender=SearchSynonym, dispatch_uid="surrogate_synonym_deleted"
    )
    post_save.connect(_board_changed, sender=BoardMember, dispatch_uid="surrogate_board_saved")
    post_delete.connect(_board_changed, sender=BoardMember, dispatch_uid="surrogate_board_deleted")
    post_save.connect(
        _account_changed, sender=get_user_model(), dispatch_uid="surrogate_account_saved"
    )
