"""The synthetic archive looks like real use of the workflow."""

from __future__ import annotations

import re

import pytest

from articles.choices import ArticleState
from articles.models import Article, AuditEntry, PublishedVersion
from articles.public.fastpath import live_set_generation
from articles.public.search import read_query, suggestions
from articles.rendering import render_markdown
from articles.services import article_save_content
from bench.archive import HEAVY_REFERENCES, HEAVY_REVISIONS, HEAVY_SLUG
from bench.build_archive import ArchiveRefused, build_archive, main
from reviewers.models import ReviewAssignment, ReviewDecision


def test_archive_has_articles_in_every_state(build_archive):
    """Sixty articles cover every state of the workflow."""
    build_archive(60)

    states = set(Article.objects.values_list("state", flat=True))

    assert states == set(ArticleState.values)


def test_archive_versions_are_what_the_renderer_makes(build_archive):
    """Each published version's HTML is render_markdown of its source with its references."""
    build_archive(30)

    for version in PublishedVersion.objects.all():
        expected = render_markdown(version.body_source, reference_count=len(version.references))
        assert version.body_html == expected
        assert version.last_reviewed and version.next_review_due > version.last_reviewed
        assert version.change_note


def test_archive_live_pointers_and_history_agree(build_archive):
    """Live articles point at their newest version; every article has a dated, signed history."""
    build_archive(40)

    for article in Article.objects.all():
        history = list(article.history.order_by("history_date", "history_id"))
        assert history[0].history_type == "+"
        assert all(row.history_user_id and row.history_change_reason for row in history)
        assert history[-1].state == article.state
        if article.state == ArticleState.APPROVED:
            newest = article.versions.order_by("-number").first()
            assert article.live_version_id == newest.pk
        if article.state == ArticleState.RETRACTED:
            assert article.live_version_id is None
        refs = article.references.count()
        assert 3 <= refs <= 30


def test_archive_reviews_leave_assignments_decisions_and_audit(build_archive):
    """Every approval has a recorded decision and an audit entry by the approving member."""
    build_archive(40)

    approvals = AuditEntry.objects.filter(transition="approve")
    assert approvals.count() == PublishedVersion.objects.count()
    for entry in approvals.select_related("article")[:20]:
        decided = ReviewDecision.objects.filter(
            assignment__article=entry.article, recorded_by=entry.by, decision="approve"
        )
        assert decided.exists()
    assert ReviewAssignment.objects.filter(status="closed").exists()


def test_archive_heavy_article_has_30_references_and_200_revisions(build_archive):
    """The admin's heavy case exists with exactly the sizes the benchmark promises."""
    build_archive(5)

    heavy = Article.objects.get(slug=HEAVY_SLUG)

    assert heavy.references.count() == HEAVY_REFERENCES
    assert heavy.history.count() == HEAVY_REVISIONS


def test_build_archive_refuses_a_database_with_other_articles(article):
    """A database holding real articles is never mixed with synthetic ones."""
    with pytest.raises(ArchiveRefused, match="already holds 1 articles"):
        build_archive(articles=5)


def test_build_archive_twice_builds_once(db, capsys):
    """A second run of the same size says so and adds nothing."""
    build_archive(articles=8)
    build_archive(articles=8)

    assert Article.objects.count() == 8
    assert "nothing to do" in capsys.readouterr().out


def test_build_archive_reset_rebuilds(db):
    """--reset empties the archive and builds the new size."""
    assert main(["--articles", "8"]) == 0
    assert main(["--articles", "5", "--reset"]) == 0

    assert Article.objects.count() == 5


def test_build_archive_refuses_sizes_out_of_range(db, capsys):
    """Zero or more than 100,000 articles is refused with the allowed range, and fails the run."""
    assert main(["--articles", "0"]) == 1
    assert "between 1 and 100,000" in capsys.readouterr().err
    with pytest.raises(ArchiveRefused, match="between 1 and 100,000"):
        build_archive(articles=100_001)


def test_build_archive_ignores_the_benchmarks_own_approvals(db, capsys):
    """Articles the benchmark approved to time approvals do not make the archive foreign."""
    build_archive(articles=6)
    template = Article.objects.exclude(slug=HEAVY_SLUG).filter(state="draft").first()
    template.pk, template.slug, template.live_version = None, "bench-approval-0123", None
    template.save()

    build_archive(articles=6)

    assert "nothing to do" in capsys.readouterr().out


def test_archive_words_feed_the_suggestions_and_later_approvals_still_do(build_archive, request):
    """The vocabulary behind "did you mean" counts the archive's words, built once or twice.

    On PostgreSQL the builder counts them once at the end instead of per
    version, and raises the live-set generation once; an approval after it
    must add its words as before.
    """
    generation = live_set_generation()
    build_archive(12)
    build_archive(12, seed=8)
    assert live_set_generation() != generation
    body = PublishedVersion.objects.order_by("-pk").first().body_source
    word = max(re.findall(r"[a-z]{9,}", body), key=len)
    typo = word[:3] + word[4:]

    assert suggestions(read_query(typo)) == {typo: word}

    article = request.getfixturevalue("article")
    article.body = "Erythema toxicum fades by itself [1]. It needs no cream [2]."
    article_save_content(article=article, by=article.author)
    assert suggestions(read_query("erythma")) == {}
    request.getfixturevalue("approved_article")
    assert suggestions(read_query("erythma")) == {"erythma": "erythema"}
