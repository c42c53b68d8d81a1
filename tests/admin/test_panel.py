"""The workflow panel on an article's page: what each person is offered and shown."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.urls import reverse

from articles.services import article_submit
from tests.admin.helpers import change_url
from tests.factories import ArticleFactory, ReferenceFactory, decision_record
from tests.reviewers.helpers import assign_accepted


def test_only_allowed_buttons_are_shown(client, author, editor, article):
    """A draft shows its author "Submit for review" and shows an editor no submit button."""
    client.force_login(author)
    assert "Submit for review" in client.get(change_url(article)).content.decode()
    client.force_login(editor)
    assert "transition/submit/" not in client.get(change_url(article)).content.decode()


def test_unavailable_submit_is_shown_with_its_reason(client, author):
    """An author whose draft cites nothing sees a disabled submit button and why."""
    draft = ArticleFactory(author=author)
    client.force_login(author)
    page = client.get(change_url(draft)).content.decode()
    assert "Submit for review</button>" in page
    assert "disabled" in page
    assert "The article cites no sources" in page


def test_author_is_never_offered_as_reviewer(client, editor, member):
    """An article written by a board member does not offer that member for review."""
    article = ArticleFactory(author=member.user)
    ReferenceFactory(article=article, position=1)
    ReferenceFactory(article=article, position=2)
    member.user.groups.add(Group.objects.get(name="Authors"))
    article_submit(article=article, by=member.user)
    client.force_login(editor)
    page = client.get(change_url(article)).content.decode()
    assert f'<option value="{member.pk}"' not in page


def test_conflict_statement_is_hidden_from_the_author(client, author, editor, member, article):
    """The author sees that a member recused; only editors read the statement."""
    article_submit(article=article, by=author)
    assignment = assign_accepted(article=article, reviewer=member, by=editor)
    statement = "My spouse consults for the maker of the cream discussed."
    decision_record(
        assignment=assignment,
        by=member.user,
        decision="approve",
        conflict_declared=True,
        conflict_statement=statement,
    )
    client.force_login(author)
    page = client.get(change_url(article)).content.decode()
    assert "Recused: conflict of interest" in page
    assert statement not in page
    client.force_login(editor)
    assert statement in client.get(change_url(article)).content.decode()


def test_author_is_warned_of_references_the_text_never_cites(client, author, article):
    """A reference with no marker gets a warning naming it; cited ones do not."""
    article.references.create(position=3, title="A source cited in the plain words only")
    article.references.create(position=4, title="A source listed but never cited")
    article.plain_body = "In plain words, as source [3] explains."
    article.save()
    client.force_login(author)

    html = client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()

    assert "Reference 4 is never cited in the text" in html
    assert "Reference 3 is never" not in html
