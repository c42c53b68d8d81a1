"""Which articles each person may open in the back office."""

from __future__ import annotations

from articles.admin.visibility import articles_visible_to
from articles.models import Article
from reviewers.services import assignment_cancel, assignment_create
from tests.factories import ArticleFactory


def test_an_editor_may_open_every_article(editor, article, other_author):
    """Editors run the review of every article, whoever wrote it."""
    other = ArticleFactory(author=other_author)
    assert set(articles_visible_to(editor)) == {article, other}


def test_an_author_may_open_their_own_articles_only(author, other_author, article):
    """Another author's draft is not theirs to read."""
    ArticleFactory(author=other_author)
    assert list(articles_visible_to(author)) == [article]


def test_a_member_may_open_what_they_were_asked_to_review_until_it_is_cancelled(
    submitted_article, editor, member, unassigned_member
):
    """An invitation opens the article to its member; a cancelled one closes it again."""
    assignment = assignment_create(article=submitted_article, reviewer=member, by=editor)
    assert list(articles_visible_to(member.user)) == [submitted_article]
    assert not articles_visible_to(unassigned_member.user).exists()
    assignment_cancel(assignment=assignment, by=editor, reason="Asked someone else.")
    assert not articles_visible_to(member.user).exists()


def test_the_selector_narrows_the_queryset_it_is_given(author, other_author, article):
    """The admin passes its own queryset (joins, ordering) and gets it back narrowed."""
    ArticleFactory(author=other_author)
    given = Article.objects.select_related("topic").order_by("pk")
    narrowed = articles_visible_to(author, given)
    assert list(narrowed) == [article]
    assert narrowed.query.select_related == {"topic": {}}
