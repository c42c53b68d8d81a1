"""The history pages in the admin: who sees them, what they show, and that they only read."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import history
from articles.models import Article, AuditEntry, PublishedVersion, Reference
from articles.services import article_revise, article_submit
from reviewers.models import BoardMember, ReviewAssignment, ReviewDecision
from tests.factories import decision_record
from tests.history.conftest import edit, history_url
from tests.reviewers.helpers import assign_accepted

pytestmark = pytest.mark.django_db

READ_PAGES = [
    ("timeline", ()),
    ("revision", (1,)),
    ("compare", (1, "current")),
    ("export", ("csv",)),
    ("export", ("json",)),
    ("live_on", ()),
    ("restore", (1,)),
]


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


@pytest.mark.parametrize(("page", "args"), READ_PAGES)
@pytest.mark.parametrize("who", ["other_author", "unassigned_member"])
def test_history_pages_are_not_found_for_people_who_may_not_see_the_article(
    client, request, article_under_review, page, args, who
):
    """Another author or a board member not asked to review gets 404, as for no article."""
    user = request.getfixturevalue(who)
    client.force_login(getattr(user, "user", user))
    assert client.get(history_url(page, article_under_review, *args)).status_code == 404


@pytest.mark.parametrize(("page", "args"), READ_PAGES)
@pytest.mark.parametrize("who", ["author", "editor", "member"])
def test_history_pages_open_for_the_author_editors_and_assigned_members(
    client, request, article_under_review, page, args, who
):
    """Everyone who sees the article in the admin sees its history."""
    user = request.getfixturevalue(who)
    client.force_login(getattr(user, "user", user))
    assert client.get(history_url(page, article_under_review, *args)).status_code == 200


def test_history_pages_send_anonymous_visitors_to_the_login(client, article):
    """Without a login the history is behind the admin's sign-in."""
    response = client.get(history_url("timeline", article))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_timeline_shows_who_did_what_and_why(client, approved_article, author, editor, member):
    """Transitions appear with their actor and comment, the publication with its version."""
    client.force_login(author)
    response = client.get(history_url("timeline", approved_article))
    html = response.content.decode()
    titles = [str(e.title) for e in response.context["page"].object_list]
    assert titles[:3] == ["Approve", "Review decision: Approve", "Start review"]
    assert f"Asked {member.name} to review round 1" in html
    assert "Published as version 1" in html
    assert editor.get_full_name() in html


def test_timeline_pages_through_many_events(client, article, author):
    """60 revisions fill two pages of 50, newest first; “oldest first” turns the order round."""
    for n in range(59):
        edit(article, author, summary=f"Summary number {n}.")
    client.force_login(author)
    first = client.get(history_url("timeline", article))
    page = first.context["page"]
    assert (page.number, page.paginator.num_pages, len(page.object_list)) == (1, 2, 50)
    assert page.object_list[0].revision.number == 60
    second = client.get(history_url("timeline", article), {"page": 2})
    assert second.context["page"].object_list[-1].revision.number == 1
    oldest = client.get(history_url("timeline", article), {"order": "oldest"})
    assert oldest.context["page"].object_list[0].revision.number == 1


def test_timeline_summary_on_the_article_page_links_the_history(client, approved_article, author):
    """The article's page ends with its latest events and links to the full history."""
    client.force_login(author)
    html = client.get(reverse("admin:articles_article_change", args=[approved_article.pk]))
    html = html.content.decode()
    assert history_url("timeline", approved_article) in html
    assert history_url("export", approved_article, "csv") in html
    assert "Published as version 1" in html


def test_compare_page_shows_a_safe_word_diff(client, article, author):
    """Changed words are marked; markup typed by an author is shown as text."""
    edit(article, author, body=article.body + " <img src=x onerror=alert(1)> Rest well.")
    client.force_login(author)
    response = client.get(history_url("compare", article, 1, 2))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<img src=x" not in html
    assert "&lt;img" in html
    assert "Rest well." in html and "<ins>" in html


def test_compare_since_reviewed_shows_the_authors_changes_to_the_member(
    client, approved_article, author, member, settings
):
    """After a revision, the member who approved sees exactly what the author changed since."""
    article_revise(article=approved_article, by=author)
    edit(approved_article, author, body=approved_article.body + " New advice on dosing.")
    client.force_login(member.user)
    response = client.get(history_url("compare", approved_article, "reviewed", "current"))
    assert response.status_code == 200
    body = next(f for f in response.context["comparison"].fields if f.name == "body")
    assert "<ins>New advice on dosing.</ins>" in body.diff.html
    live = client.get(history_url("compare", approved_article, "live", "current"))
    assert live.context["comparison"].changed_fields


def test_decision_form_links_are_offered_once_the_text_moved_on(
    client, approved_article, author, member
):
    """The article page offers “since the version I reviewed” only when something changed."""
    client.force_login(member.user)
    page = client.get(reverse("admin:articles_article_change", args=[approved_article.pk]))
    assert page.context["wf_compare_reviewed_url"] is None  # the approved text is the reviewed one
    assert page.context["wf_compare_live_url"] is None
    article_revise(article=approved_article, by=author)
    edit(approved_article, author, summary="Changed after approval.")
    page = client.get(reverse("admin:articles_article_change", args=[approved_article.pk]))
    assert page.context["wf_compare_live_url"] == history_url(
        "compare", approved_article, "live", "current"
    )
    assert page.context["wf_compare_reviewed_url"] == history_url(
        "compare", approved_article, "reviewed", "current"
    )


def test_compare_with_a_bad_revision_explains_and_goes_back(client, article, author):
    """An unknown keyword or number sends the user to the timeline with a message."""
    client.force_login(author)
    response = client.get(history_url("compare", article, "yesterday", "current"), follow=True)
    assert response.redirect_chain[-1][0] == history_url("timeline", article)
    assert "is not a revision" in messages_of(response)
    response = client.get(history_url("compare", article, 1, 77), follow=True)
    assert "no revision 77" in messages_of(response)
    response = client.get(history_url("compare", article, "live", "current"), follow=True)
    assert "Nothing of this article is public" in messages_of(response)


def test_timeline_compare_picker_redirects_to_the_comparison(client, article, author):
    """The timeline's small form leads to the comparison page."""
    client.force_login(author)
    response = client.get(history_url("timeline", article), {"old": "1", "new": "current"})
    assert response["Location"] == history_url("compare", article, 1, "current")


def test_revision_page_lists_the_references_of_that_time(client, edited_article, author):
    """Revision 1 shows the reference removed later, not the one added later."""
    client.force_login(author)
    html = client.get(history_url("revision", edited_article, 1)).content.decode()
    assert "A newer trial of creams" not in html
    html = client.get(history_url("revision", edited_article, 3)).content.decode()
    assert "A newer trial of creams" in html


def test_conflict_statement_stays_with_editors_and_its_writer(
    client, submitted_article, editor, member, second_member, due_date
):
    """A colleague on the same article and the author never read a conflict statement."""
    for reviewer in (member, second_member):
        assign_accepted(article=submitted_article, reviewer=reviewer, by=editor, due_date=due_date)
    decision_record(
        assignment=ReviewAssignment.objects.get(reviewer=second_member),
        by=second_member.user,
        decision="approve",
        conflict_declared=True,
        conflict_statement="My spouse sells this cream.",
    )
    url = history_url("timeline", submitted_article)
    for user, sees in [
        (editor, True),
        (second_member.user, True),
        (member.user, False),
        (submitted_article.author, False),
    ]:
        client.force_login(user)
        assert ("My spouse sells this cream." in client.get(url).content.decode()) is sees, user


# --- Nothing can be changed or deleted through the history and audit pages ----------------


@pytest.mark.parametrize(("page", "args"), [p for p in READ_PAGES if p[0] != "restore"])
def test_crafted_posts_to_history_pages_change_nothing(
    client, approved_article, editor, footprint, page, args
):
    """Read-only pages answer a POST with 405 and leave the article as it was."""
    client.force_login(editor)
    before = footprint(approved_article)
    response = client.post(history_url(page, approved_article, *args), {"state": "draft"})
    assert response.status_code == 405
    assert "only shows a page; nothing was changed" in response.content.decode()
    assert footprint(approved_article) == before


def test_simple_history_form_post_cannot_overwrite_the_article(
    client, approved_article, superuser, footprint
):
    """Even a superuser's POST to simple-history's revision form is refused."""
    client.force_login(superuser)
    first = approved_article.history.earliest("history_id")
    before = footprint(approved_article)
    response = client.post(
        reverse("admin:articles_article_simple_history", args=[approved_article.pk, first.pk]),
        {"title": "Overwritten", "slug": "overwritten", "body": "x", "topic": first.topic_id},
    )
    assert response.status_code == 403
    assert footprint(approved_article) == before
    assert Article.objects.get(pk=approved_article.pk).title == approved_article.title


def test_nothing_of_the_record_can_be_deleted_or_edited_in_the_admin(
    client, approved_article, superuser, member
):
    """Articles, audit entries, versions, decisions, references and members: no delete, no edit."""
    client.force_login(superuser)
    entry = AuditEntry.objects.filter(article=approved_article).first()
    version = PublishedVersion.objects.get(article=approved_article)
    decision = ReviewDecision.objects.get(assignment__article=approved_article)
    reference = Reference.objects.filter(article=approved_article).first()
    targets = [
        ("articles_article", approved_article.pk),
        ("articles_auditentry", entry.pk),
        ("articles_publishedversion", version.pk),
        ("reviewers_reviewdecision", decision.pk),
        ("articles_reference", reference.pk),
        ("reviewers_boardmember", member.pk),
    ]
    for name, pk in targets:
        response = client.post(reverse(f"admin:{name}_delete", args=[pk]), {"post": "yes"})
        assert response.status_code == 403, name
    for name, pk in targets[1:4]:
        response = client.post(reverse(f"admin:{name}_change", args=[pk]), {"comment": "forged"})
        assert response.status_code == 403, name
    assert AuditEntry.objects.get(pk=entry.pk).comment == entry.comment
    assert PublishedVersion.objects.filter(pk=version.pk).exists()
    assert ReviewDecision.objects.filter(pk=decision.pk).exists()
    assert Reference.objects.filter(pk=reference.pk).exists()
    assert BoardMember.objects.filter(pk=member.pk).exists()


def test_bulk_delete_action_is_not_offered_for_the_record(client, approved_article, superuser):
    """The changelist's “delete selected” action cannot remove audit entries."""
    client.force_login(superuser)
    ids = list(AuditEntry.objects.values_list("pk", flat=True))
    client.post(
        reverse("admin:articles_auditentry_changelist"),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert AuditEntry.objects.count() == len(ids)


# --- Scale: a bounded number of queries whatever the length of the history ----------------


def grow(article, author, revisions: int) -> None:
    """Give the article ``revisions`` more revisions, each a real save with history."""
    fresh = Article.objects.get(pk=article.pk)
    for n in range(revisions):
        fresh.summary = f"Summary, take {n}."
        fresh.body = f"{article.body} Edit {n}."
        fresh._history_user = author
        fresh._change_reason = "Edited in admin"
        fresh.save()


def count_queries(client, url) -> int:
    client.get(url)  # the session's first read is not the page's cost
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("page", "args", "query"),
    [
        ("timeline", (), ""),
        ("timeline", (), "?page=5&order=oldest"),
        ("compare", (1, "current"), ""),
        ("compare", ("reviewed", "live"), ""),
        ("revision", (2,), ""),
        ("export", ("csv",), ""),
        ("live_on", (), "?date=2026-01-01"),
        ("change", (), ""),
    ],
)
def test_history_pages_cost_the_same_queries_for_500_revisions_as_for_5(
    client, approved_article, editor, django_assert_num_queries, page, args, query
):
    """Reading a long history costs no more queries than a short one."""
    article = approved_article
    if page == "change":
        url = reverse("admin:articles_article_change", args=[article.pk])
    else:
        url = history_url(page, article, *args) + query
    client.force_login(editor)
    article_revise(article=article, by=editor)
    grow(article, editor, 4)
    short = count_queries(client, url)
    assert short <= 45
    grow(article, editor, 491)
    with django_assert_num_queries(short):
        response = client.get(url)
    assert response.status_code == 200
    if page == "timeline":
        assert response.context["revision_count"] == 500
        assert len(response.context["page"].object_list) == 50


def test_timeline_of_500_revisions_has_a_fixed_query_count(
    client, article, author, django_assert_num_queries
):
    """The timeline's last page of 500 revisions renders in a fixed number of queries."""
    grow(article, author, 499)
    client.force_login(author)
    url = history_url("timeline", article) + "?page=10"
    with django_assert_num_queries(count_queries(client, history_url("timeline", article))):
        response = client.get(url)
    assert response.context["page"].number == 10
    assert history.revisions(article)[-1].number == 500


@pytest.mark.parametrize(
    ("page", "args", "query", "message"),
    [
        ("compare", ("99999999999999999999", "current"), "", "no revision"),
        ("compare", ("0", "1"), "", "numbered from 1"),
        ("compare", ("-1", "current"), "", "is not a revision"),
        ("revision", (99999999999999999999,), "", "no revision"),
        ("restore", (2**62,), "", "no revision"),
        ("timeline", (), "?old=1", "Choose two revisions"),
        ("timeline", (), "?page=abc", ""),
        ("timeline", (), "?page=99999999999999999999", ""),
        ("live_on", (), "?date=0001-01-01", ""),
        ("live_on", (), "?date=2026-01-01&time=25:00", ""),
    ],
)
def test_bad_input_to_history_pages_gets_a_plain_answer(
    client, approved_article, editor, page, args, query, message
):
    """Out-of-range numbers, odd keywords and bad dates never cause a server error."""
    client.force_login(editor)
    response = client.get(history_url(page, approved_article, *args) + query, follow=True)
    assert response.status_code == 200
    assert message in messages_of(response)


def test_history_form_posts_are_refused_for_every_tracked_model(
    client, approved_article, superuser, member
):
    """simple-history's revision form of references, members and assignments refuses a POST."""
    client.force_login(superuser)
    reference = approved_article.references.first()
    assignment = ReviewAssignment.objects.get(article=approved_article)
    cases = [
        ("articles_reference", reference, {"title": "forged"}),
        ("reviewers_boardmember", member, {"credentials": "forged"}),
        ("reviewers_reviewassignment", assignment, {"status": "open"}),
    ]
    for name, obj, data in cases:
        row = obj.history.earliest("history_id")
        before = obj.history.count()
        url = reverse(f"admin:{name}_simple_history", args=[obj.pk, row.pk])
        assert client.post(url, data).status_code == 403, name
        assert obj.history.count() == before
    assert not Reference.objects.filter(title="forged").exists()
    assert BoardMember.objects.get(pk=member.pk).credentials != "forged"


def test_history_list_page_ignores_a_post(client, approved_article, superuser, footprint):
    """The article's history list changes nothing when sent a POST."""
    client.force_login(superuser)
    before = footprint(approved_article)
    client.post(
        reverse("admin:articles_article_history", args=[approved_article.pk]), {"title": "x"}
    )
    assert footprint(approved_article) == before


def test_reviewer_of_a_resubmission_finds_what_changed_beside_the_decision_form(
    client, approved_article, author, member
):
    """Invited again after a revision, the member is one click from the changes."""
    article_revise(article=approved_article, by=author)
    edit(approved_article, author, body=approved_article.body + " New advice on dosing.")
    article_submit(article=approved_article, by=author)
    assign_accepted(article=approved_article, reviewer=member, by=author)  # re-invited
    client.force_login(member.user)

    html = client.get(
        reverse("admin:articles_article_change", args=[approved_article.pk])
    ).content.decode()

    form_at = html.index('id="your-review"')
    link_at = html.index("What changed since the version you reviewed")
    assert form_at < link_at < html.index("Record my decision")
    assert history_url("compare", approved_article, "reviewed", "current") in html
