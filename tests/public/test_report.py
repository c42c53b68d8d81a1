"""Readers report problems without an account; editors get them in a queue."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from articles.choices import ReportKind, ReportStatus
from articles.models import ProblemReport
from tests.public.conftest import publish, revise

pytestmark = pytest.mark.django_db

GOOD = {
    "kind": ReportKind.OUTDATED,
    "message": "The dose in the second paragraph changed in the 2026 guideline.",
    "email": "reader@example.org",
}


def report_url(article) -> str:
    return reverse("articles:report", kwargs={"slug": article.slug})


def test_valid_report_is_saved_against_the_version_read(client, published):
    """A report lands in the queue with the version the reader saw, then a thank-you."""
    response = client.post(report_url(published), GOOD, follow=True)

    report = ProblemReport.objects.get()
    assert report.article == published
    assert report.version == published.live_version
    assert report.kind == ReportKind.OUTDATED
    assert report.message == GOOD["message"]
    assert report.email == "reader@example.org"
    assert report.status == ReportStatus.NEW
    assert response.redirect_chain[-1][0] == reverse(
        "articles:report_thanks", kwargs={"slug": published.slug}
    )
    assert "Thank you: your report has reached our editors" in response.content.decode()


def test_report_email_is_optional(client, published):
    client.post(report_url(published), {**GOOD, "email": ""})

    assert ProblemReport.objects.get().email == ""


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({**GOOD, "kind": ""}, "Choose the kind of problem."),
        ({**GOOD, "message": "   "}, "Tell us what is wrong"),
        ({**GOOD, "message": "bad"}, "Please say a little more"),
        ({**GOOD, "email": "reader@"}, "This email address looks incomplete"),
        ({**GOOD, "message": "x" * 2001}, "Please keep it under 2000 characters"),
    ],
)
def test_invalid_report_keeps_what_the_reader_wrote(client, published, data, message):
    """Bad input saves nothing, explains the problem, and keeps every field filled in."""
    response = client.post(report_url(published), data)
    html = response.content.decode()

    assert response.status_code == 400
    assert ProblemReport.objects.count() == 0
    assert message in html
    assert "everything you wrote is still here" in html
    assert 'role="alert"' in html
    if data["message"].strip():
        assert data["message"][:50] in html
    if data["email"]:
        assert f'value="{data["email"]}"' in html


def test_reports_are_rate_limited_per_address(client, published):
    """After five reports in an hour, the sixth is refused with the text kept."""
    for _ in range(5):
        assert client.post(report_url(published), GOOD).status_code == 302

    response = client.post(report_url(published), {**GOOD, "message": "One more thing to fix."})

    assert response.status_code == 429
    assert ProblemReport.objects.count() == 5
    assert "cannot take another one just now" in response.content.decode()
    assert "One more thing to fix." in response.content.decode()
    other = client.post(report_url(published), GOOD, REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 302


def test_trusted_proxy_address_is_used_for_the_limit(client, published, settings):
    """Behind one proxy, readers are told apart by the address the proxy saw."""
    settings.EDITORIAL_TRUSTED_PROXIES = 1
    for _ in range(5):
        client.post(report_url(published), GOOD, HTTP_X_FORWARDED_FOR="203.0.113.1")

    limited = client.post(report_url(published), GOOD, HTTP_X_FORWARDED_FOR="203.0.113.1")
    other = client.post(report_url(published), GOOD, HTTP_X_FORWARDED_FOR="203.0.113.2")

    assert limited.status_code == 429
    assert other.status_code == 302


def test_report_needs_a_csrf_token(published):
    """Without the page's token the report is refused."""
    strict = Client(enforce_csrf_checks=True)

    response = strict.post(report_url(published), GOOD)

    assert response.status_code == 403
    assert ProblemReport.objects.count() == 0


def test_report_with_the_form_page_token_is_accepted(published):
    strict = Client(enforce_csrf_checks=True)
    html = strict.get(report_url(published)).content.decode()
    token = html.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]

    response = strict.post(report_url(published), {**GOOD, "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert ProblemReport.objects.count() == 1


def test_robots_filling_the_hidden_field_are_thanked_but_not_saved(client, published):
    response = client.post(report_url(published), {**GOOD, "website": "http://spam.example"})

    assert response.status_code == 302
    assert ProblemReport.objects.count() == 0


def test_report_on_an_unpublished_article_is_404(client, article):
    assert client.post(report_url(article), GOOD).status_code == 404
    assert ProblemReport.objects.count() == 0


def test_article_page_links_to_the_report_form(client, published):
    html = client.get(published.get_absolute_url()).content.decode()

    assert "Report a problem with this article" in html
    assert f'href="{report_url(published)}"' in html


def test_report_form_page_names_the_article_and_version(client, published):
    """The form has a page of its own, uncached, saying what is being reported."""
    response = client.get(report_url(published))
    html = response.content.decode()

    assert response.status_code == 200
    assert f"You are reporting on “{published.title}”, version 1." in html
    assert f'action="{report_url(published)}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    for kind in ReportKind:
        assert str(kind.label) in html
    assert "no-store" in response.headers["Cache-Control"]


def test_report_form_refuses_other_methods(client, published):
    assert client.put(report_url(published)).status_code == 405
    assert ProblemReport.objects.count() == 0


def test_report_form_for_an_unpublished_article_is_404(client, article):
    assert client.get(report_url(article)).status_code == 404


# --- The editors' queue -----------------------------------------------------------------------


@pytest.fixture
def reports(published):
    version = published.live_version
    return [
        ProblemReport.objects.create(
            article=published, version=version, kind=ReportKind.ERROR, message="Wrong dose."
        ),
        ProblemReport.objects.create(
            article=published,
            version=version,
            kind=ReportKind.LINK,
            message="Dead link.",
            status=ReportStatus.RESOLVED,
        ),
    ]


def test_editors_see_open_reports_first(client, editor, reports):
    """The queue opens on open reports only; the closed ones are a click away."""
    client.force_login(editor)

    html = client.get(reverse("admin:articles_problemreport_changelist")).content.decode()
    closed = client.get(
        reverse("admin:articles_problemreport_changelist") + "?queue=closed"
    ).content.decode()

    assert "Wrong dose." in html and "Dead link." not in html
    assert "Dead link." in closed and "Wrong dose." not in closed


def test_marking_a_report_records_who_and_keeps_history(client, editor, reports):
    client.force_login(editor)

    response = client.post(
        reverse("admin:articles_problemreport_changelist"),
        {"action": "mark_in_progress", "_selected_action": [reports[0].pk]},
        follow=True,
    )

    report = ProblemReport.objects.get(pk=reports[0].pk)
    assert report.status == ReportStatus.IN_PROGRESS
    assert report.handled_by == editor
    assert report.history.first().history_user == editor
    assert "1 report marked" in response.content.decode()


def test_report_page_says_whether_the_version_is_still_live(
    client, editor, reports, published, author, member
):
    """An editor sees that the reader read an older version once a newer one is live."""
    client.force_login(editor)
    url = reverse("admin:articles_problemreport_change", args=[reports[0].pk])
    assert "still the live version" in client.get(url).content.decode()

    article = revise(published, author, body="Fixed [1].")
    publish(article, author, editor, member)

    assert "a newer version has been published since" in client.get(url).content.decode()


def test_changing_status_in_the_form_records_the_editor(client, editor, reports):
    client.force_login(editor)
    url = reverse("admin:articles_problemreport_change", args=[reports[0].pk])

    client.post(url, {"status": ReportStatus.RESOLVED, "editor_note": "Dose corrected in v2."})

    report = ProblemReport.objects.get(pk=reports[0].pk)
    assert report.status == ReportStatus.RESOLVED
    assert report.handled_by == editor
    assert report.message == "Wrong dose."


def test_authors_cannot_open_the_queue(client, author, reports):
    client.force_login(author)

    response = client.get(reverse("admin:articles_problemreport_changelist"))

    assert response.status_code == 403
