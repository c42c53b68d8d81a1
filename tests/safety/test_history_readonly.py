"""django-simple-history's admin history form is read-only for every model that has one.

Its stock view saves a POST: a staff user with only "view" permission could
overwrite an object, an article's state included. The matrix below is built
from the admin registry, so a model admin registered later with history joins
it on its own; give it an instance in ``instances`` below.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db.models.fields.files import FieldFile
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from articles.models import ProblemReport, SearchSynonym, SitePage
from reviewers.models import ChecklistQuestion, ReminderRule, StandingConflict
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HISTORY_ADMINS = sorted(
    (
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, SimpleHistoryAdmin)
    ),
)


@pytest.fixture
def instances(stage):
    """One saved object of every model, with at least one history row each."""
    article = stage.make("approved")
    version = article.live_version
    ProblemReport.objects.create(
        article=article, version=version, kind="error", message="The dose looks wrong."
    )
    SitePage.objects.create(slug="about", title="About us", body="Who we are.")
    # Made after the approval: a question on the topic changes no past review.
    ChecklistQuestion.objects.create(topic=article.topic, text="Doses and units checked")
    StandingConflict.objects.create(
        member=stage.cast.member_unassigned.board_member,
        topic=article.topic,
        statement="Paid consultancy for a maker of a treatment in this topic.",
    )
    # The default reminder rules come from a migration, which records no history.
    rules = list(ReminderRule.objects.all()) or [
        ReminderRule(event="overdue", days=1, template="reminder_overdue")
    ]
    for rule in rules:
        rule.save()
    # So are the seeded search synonyms.
    for synonym in SearchSynonym.objects.all():
        synonym.save()
    SearchSynonym.objects.create(words="tummy", term="abdomen")
    return article


def _snapshot(obj) -> dict:
    obj.refresh_from_db()
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


def _hostile_post(obj) -> dict:
    """The object's own data with every text changed and the state set to approved."""
    data = {}
    for key, value in model_to_dict(obj).items():
        if value is None or (isinstance(value, FieldFile) and not value):
            continue  # an empty photo or file: nothing to send
        if isinstance(value, str):
            value = "overwritten through history"
        if isinstance(value, list):
            value = [getattr(v, "pk", v) for v in value]
        data[key] = value
    data["state"] = "approved"
    data["status"] = "dismissed"
    data["_change_history"] = "1"
    return data


def _staff_who_may_view_everything():
    viewer = UserFactory(username="history_viewer")
    viewer.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    return viewer


def test_every_history_admin_is_covered():
    """The registry holds the models whose history the product keeps."""
    assert {
        "articles.Article",
        "articles.Reference",
        "articles.Topic",
        "reviewers.BoardMember",
        "reviewers.ChecklistQuestion",
        "reviewers.ReminderRule",
        "reviewers.ReviewAssignment",
        "reviewers.StandingConflict",
        "articles.SearchSynonym",
    } <= set(HISTORY_ADMINS)


@pytest.mark.parametrize("who", ["superuser", "view_only_staff", "author"])
@pytest.mark.parametrize("label", HISTORY_ADMINS)
def test_history_form_post_is_refused_and_changes_nothing(instances, cast, label, who):
    """POST to /admin/<app>/<model>/<pk>/history/<id>/ answers 403 and writes nothing."""
    model = next(m for m in admin.site._registry if m._meta.label == label)
    obj = model.objects.order_by("pk").first()
    assert obj is not None, f"give {label} an instance in the instances fixture"
    history_id = obj.history.order_by("history_id").first().history_id
    before, rows_before = _snapshot(obj), obj.history.count()
    user = _staff_who_may_view_everything() if who == "view_only_staff" else cast[who]
    client = Client()
    client.force_login(user)
    url = reverse(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_simple_history",
        args=[obj.pk, history_id],
    )
    response = client.post(url, _hostile_post(obj))
    assert response.status_code == 403
    assert _snapshot(obj) == before
    assert obj.history.count() == rows_before


@pytest.mark.parametrize("label", HISTORY_ADMINS)
def test_history_form_still_reads_for_the_superuser(instances, superuser, label):
    """Reading an old revision stays possible: only writing is closed."""
    model = next(m for m in admin.site._registry if m._meta.label == label)
    obj = model.objects.order_by("pk").first()
    history_id = obj.history.order_by("history_id").first().history_id
    client = Client()
    client.force_login(superuser)
    url = reverse(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_simple_history",
        args=[obj.pk, history_id],
    )
    response = client.get(url)
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_history_form_refuses_other_writing_methods(instances, cast, method):
    """Only GET and HEAD reach the history form."""
    article = instances
    history_id = article.history.order_by("history_id").first().history_id
    before = _snapshot(article)
    response = getattr(cast.client("superuser"), method)(
        reverse("admin:articles_article_simple_history", args=[article.pk, history_id])
    )
    assert response.status_code in (403, 405)
    assert _snapshot(article) == before
