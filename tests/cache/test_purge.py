"""A change readers would see purges its keys from every cache after commit, and retries."""

from __future__ import annotations

import http.server
import threading

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from articles.models import Article, SitePage, Topic
from articles.services import article_retract, article_start_rereview, article_submit
from editorial import purge
from reviewers.models import ReviewAssignment
from tests.cache.conftest import PurgeRecorder
from tests.factories import decision_record
from tests.reviewers.helpers import assign_accepted

pytestmark = pytest.mark.django_db


def approve(article, member):
    decision_record(
        assignment=ReviewAssignment.objects.get(
            article=article, reviewer=member, round=Article.objects.get(pk=article.pk).review_round
        ),
        by=member.user,
        decision="approve",
        no_conflict=True,
    )
    return Article.objects.get(pk=article.pk)


def test_an_approval_purges_the_article_its_address_and_the_live_set(
    article_under_review, member, purge_recorder, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        article = approve(article_under_review, member)

    assert purge_recorder.requests == [
        sorted({f"article-{article.pk}", f"slug-{article.slug}", "live-set"})
    ]


def test_a_retraction_purges_the_live_version_and_the_live_set(
    approved_article, editor, purge_recorder, django_capture_on_commit_callbacks
):
    live = approved_article.live_version_id
    with django_capture_on_commit_callbacks(execute=True):
        article_retract(article=approved_article, by=editor, reason="Dosage error.")

    assert purge_recorder.keys == {
        f"article-{approved_article.pk}",
        f"version-{live}",
        f"slug-{approved_article.slug}",
        "live-set",
    }


def test_a_rereview_starting_purges_the_article_page_alone(
    approved_article, editor, purge_recorder, django_capture_on_commit_callbacks
):
    """The page says an update is under review; no list changes."""
    with django_capture_on_commit_callbacks(execute=True):
        article_start_rereview(article=approved_article, by=editor)

    assert purge_recorder.keys == {
        f"article-{approved_article.pk}",
        f"version-{approved_article.live_version_id}",
    }


def test_a_rereview_outcome_purges_the_article_and_the_lists(
    approved_article, editor, member, purge_recorder, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        article_start_rereview(article=approved_article, by=editor)
        assign_accepted(article=approved_article, reviewer=member, by=editor)
    purge_recorder.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        article = approve(approved_article, member)

    assert {f"article-{article.pk}", "live-set", f"slug-{article.slug}"} <= purge_recorder.keys


def test_transitions_of_an_article_never_public_purge_nothing(
    article, author, purge_recorder, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        article_submit(article=article, by=author)

    assert purge_recorder.requests == []
    assert not DBTaskResult.objects.exists()


def test_a_board_member_edit_purges_the_board(
    member, purge_recorder, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member.credentials = "MD, PhD"
        member.save()

    assert purge_recorder.keys == {"board"}


def test_a_members_name_change_purges_the_board_and_a_sign_in_does_not(
    member, purge_recorder, django_capture_on_commit_callbacks
):
    user = User.objects.get(pk=member.user_id)
    with django_capture_on_commit_callbacks(execute=True):
        user.last_name = "Okafor"
        user.save()
    assert purge_recorder.keys == {"board"}

    purge_recorder.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        user.save(update_fields=["last_login"])
    assert purge_recorder.requests == []


def test_a_policy_edit_purges_the_policy_page(purge_recorder, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        SitePage.objects.create(slug="editorial-policy", title="How we review", body="Carefully.")

    assert purge_recorder.keys == {"page-editorial-policy"}


def test_a_topic_rename_purges_its_old_and_new_pages(
    purge_recorder, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        topic = Topic.objects.create(name="Skin", slug="skin")
    purge_recorder.requests.clear()

    with django_capture_on_commit_callbacks(execute=True):
        topic.name, topic.slug = "Skin and hair", "skin-and-hair"
        topic.save()

    assert purge_recorder.keys == {"topic-skin", "topic-skin-and-hair"}


def test_one_transaction_sends_one_purge_per_cache(
    settings, purge_recorder, django_capture_on_commit_callbacks
):
    """Keys named by several changes of one transaction go out together."""
    second = PurgeRecorder()
    settings.EDITORIAL_PURGE_URLS = [purge_recorder.url, second.url]
    try:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            purge.purge_on_commit(["board"])
            purge.purge_on_commit(["live-set", "board"])
            purge.purge_on_commit(["page-editorial-policy"])
    finally:
        second.close()

    expected = [["board", "live-set", "page-editorial-policy"]]
    assert purge_recorder.requests == expected
    assert second.requests == expected


def test_a_rolled_back_change_purges_nothing_and_leaves_no_task(
    member, purge_recorder, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        member.credentials = "MD"
        member.save()
        raise RuntimeError("the change fails")

    assert purge_recorder.requests == []
    assert not DBTaskResult.objects.exists()


def test_no_cache_configured_means_no_purge_and_no_task(member, settings):
    settings.EDITORIAL_PURGE_URLS = []

    member.save()

    assert not DBTaskResult.objects.exists()


# The worker closes a connection left inside a transaction, as a test's would be.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_task_skips_a_cache_the_commit_reached(
    member, purge_recorder, django_capture_on_commit_callbacks, run_worker
):
    """Idempotent either way; a delivered purge is not sent twice when the cache is shared."""
    with django_capture_on_commit_callbacks(execute=True):
        member.save()
    run_worker()

    assert purge_recorder.requests == [["board"]]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


# The worker closes a connection left inside a transaction, as a test's would be.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_purge_the_cache_missed_is_retried_until_it_answers(
    member, purge_recorder, django_capture_on_commit_callbacks, run_worker, settings
):
    """Each failed attempt shows as a failed task; the next one is queued, later."""
    settings.EDITORIAL_PURGE_RETRY_SECONDS = 0
    purge_recorder.refuse()
    with django_capture_on_commit_callbacks(execute=True):
        member.save()

    run_worker(max_tasks=1)
    failed = DBTaskResult.objects.get(status="FAILED")
    assert "PurgeFailed" in failed.exception_class_path
    assert purge_recorder.requests == []

    purge_recorder.accept()
    run_worker()

    assert purge_recorder.requests == [["board"]]
    statuses = sorted(DBTaskResult.objects.values_list("status", flat=True))
    assert statuses == ["FAILED", "SUCCESSFUL"]


def test_retries_wait_longer_each_time_up_to_an_hour(settings):
    settings.EDITORIAL_PURGE_RETRY_SECONDS = 5

    assert [purge.retry_delay(n) for n in (1, 2, 3)] == [5, 10, 20]
    assert purge.retry_delay(30) == 3600


def test_a_long_list_of_keys_is_split_into_short_requests():
    keys = [f"article-{n}" for n in range(2000)]

    values = purge.batches(keys, limit=1000)

    assert all(len(value) <= 1000 for value in values)
    assert sorted(" ".join(values).split()) == sorted(keys)


def test_a_refusing_cache_is_reported_with_its_answer(settings):
    """A purge refused (a 403 from the ACL) is a failure, with the cache's words."""

    class Refuse(http.server.BaseHTTPRequestHandler):
        def do_PURGE(self):
            self.send_response(403, "Forbidden")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Refuse)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(purge.PurgeFailed, match="403"):
            purge.send(f"http://127.0.0.1:{server.server_address[1]}/", ["board"])
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_change_saved_outside_a_transaction_is_purged_at_once(member, purge_recorder):
    """Autocommit: the change is committed when saved, and its keys go out straight away."""
    member.credentials = "MBChB"
    member.save()

    assert purge_recorder.requests == [["board"]]


def test_the_purge_command_empties_every_cache_of_the_given_keys(purge_recorder):
    """After a deployment, `purge_cache --all` purges every page at once."""
    call_command("purge_cache", "article-3", "--all")

    assert purge_recorder.requests == [["article-3", "site"]]


def test_the_purge_command_says_which_cache_it_could_not_reach(purge_recorder):
    purge_recorder.refuse()

    with pytest.raises(CommandError, match="could not be purged"):
        call_command("purge_cache", "--all")
