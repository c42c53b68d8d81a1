"""The demo's review loop, told through the workflow services.

``DemoBuilder`` creates what is missing of the demo (``articles.demo.content``
holds the people, topics and articles): users for every role, three topics, a
review checklist, and articles that end in every state of the workflow. Each
article is moved by the services the back office calls, acting as the right
demo user, on days spread over the past months, so its audit trail, history
and published versions are real and read like real use.

The rule it keeps: nothing is created twice and nothing existing is changed.
Users, topics and articles are looked up by username and slug; an article that
already exists is left as it is, and an account the demo did not create is
never given a role.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING
from unittest import mock

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from articles.choices import ArticleState
from articles.demo import content as demo
from articles.exceptions import WorkflowError
from articles.fingerprints import article_fingerprint
from articles.models import Article, AuditEntry, ProblemReport, Reference, Topic
from articles.roles import is_author_role, is_board_member, is_editor
from articles.services import (
    article_references_saved,
    article_reject,
    article_retract,
    article_revise,
    article_save_content,
    article_submit,
    article_withdraw,
)
from reviewers.choices import Decision
from reviewers.models import BoardMember, ChecklistQuestion, ReviewAssignment, ReviewDecision
from reviewers.policy import checklist_for, required_approvals
from reviewers.services import assignment_accept, assignment_create, decision_record

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser


class DemoRefused(Exception):
    """The demo cannot be built in this database as it stands; the message says why."""


# How long ago the article whose review falls due was approved.
REVIEW_DUE_APPROVED_DAYS_AGO = 350


@contextmanager
def backdated(start: datetime.datetime) -> Iterator[None]:
    """Run workflow steps as if it were ``start`` (a second passes per reading of the clock).

    For the demo's article approved about a year ago: its trail, history and
    published version carry the dates of then, so its next review is due now.
    Model fields whose default is ``timezone.now`` hold the real function,
    so their defaults are moved as well.
    """
    ticks = (start + datetime.timedelta(seconds=n) for n in itertools.count())
    fields = [
        AuditEntry._meta.get_field("at"),
        ReviewAssignment._meta.get_field("assigned_at"),
        ReviewDecision._meta.get_field("recorded_at"),
    ]
    with ExitStack() as stack:
        stack.enter_context(
            mock.patch("django.utils.timezone.now", side_effect=lambda: next(ticks))
        )
        for field in fields:
            stack.enter_context(mock.patch.object(field, "_get_default", lambda: next(ticks)))
        yield


def on_day(days_ago: int):
    """Run the steps inside as if it were ``days_ago`` days ago, at ten in the morning."""
    now = timezone.localtime()
    start = now.replace(hour=10, minute=0, second=0, microsecond=0) - datetime.timedelta(
        days=days_ago
    )
    if days_ago <= 0:
        start = now - datetime.timedelta(minutes=5)
    return backdated(start)


# How many days ago each step of each story happened. The review under way
# was accepted 21 days ago with the default 14 days to deliver: it is
# overdue. The article approved 350 days ago falls due for re-review within
# the month (yearly policy). Other steps keep a few days between them.
STORY_DAYS: dict[str, dict[str, int]] = {
    demo.DRAFT_AFTER_WITHDRAWAL: {"write": 44, "submit": 40, "withdraw": 33, "edit": 9},
    demo.SUBMITTED: {"write": 8, "submit": 2},
    demo.UNDER_REVIEW: {"write": 30, "submit": 25, "accept": 21, "invite": 1},
    demo.CHANGES_REQUESTED: {"write": 64, "submit": 52, "accept": 48, "decide": 41},
    demo.APPROVED: {"write": 130, "submit": 118, "accept": 112, "approve": 104},
    demo.APPROVED_REVIEW_DUE: {
        "write": 372,
        "submit": 366,
        "accept": 361,
        "approve": REVIEW_DUE_APPROVED_DAYS_AGO,
    },
    demo.REVISION_UNDER_REVIEW: {
        "write": 220,
        "submit": 211,
        "accept": 207,
        "approve": 199,
        "revise": 19,
        "resubmit": 12,
        "reinvite": 10,
    },
    demo.REJECTED: {"write": 95, "submit": 88, "accept": 84, "decide": 77, "reject": 74},
    demo.RETRACTED: {"write": 310, "submit": 300, "accept": 296, "approve": 289, "retract": 46},
}


# The state in which each story leaves its article.
FINAL_STATE = {
    demo.DRAFT_AFTER_WITHDRAWAL: ArticleState.DRAFT,
    demo.SUBMITTED: ArticleState.SUBMITTED,
    demo.UNDER_REVIEW: ArticleState.UNDER_REVIEW,
    demo.CHANGES_REQUESTED: ArticleState.CHANGES_REQUESTED,
    demo.APPROVED: ArticleState.APPROVED,
    demo.APPROVED_REVIEW_DUE: ArticleState.APPROVED,
    demo.REVISION_UNDER_REVIEW: ArticleState.UNDER_REVIEW,
    demo.REJECTED: ArticleState.REJECTED,
    demo.RETRACTED: ArticleState.RETRACTED,
}


class DemoBuilder:
    """Creates what is missing of the demo, acting as the demo's own users."""

    def __init__(self, *, required_approvals: int) -> None:
        self.required = max(required_approvals, 1)
        self.created_users: list[str] = []
        self.created_topics: list[str] = []
        self.created_articles: list[str] = []
        self.users: dict[str, AbstractUser] = {}
        self.members: dict[str, BoardMember] = {}
        self.topics: dict[str, Topic] = {}

    def build(self) -> None:
        """Create what is missing, each part after the ones it needs."""
        self.ensure_users()
        self.ensure_topics()
        self.ensure_checklist()
        self.ensure_articles()
        self.ensure_reader_reports()

    # --- People and topics ----------------------------------------------------

    def ensure_users(self) -> None:
        User = get_user_model()
        groups = {}
        for spec in demo.USERS:
            if spec.group and spec.group not in groups:
                try:
                    groups[spec.group] = Group.objects.get(name=spec.group)
                except Group.DoesNotExist as error:
                    raise DemoRefused(
                        f"The “{spec.group}” group is missing: run “manage.py migrate” first."
                    ) from error
            if User.objects.filter(username=spec.username).exists():
                continue
            user = User(
                username=spec.username,
                first_name=spec.first_name,
                last_name=spec.last_name,
                email=f"{spec.username}@example.org",
                is_staff=True,
                is_superuser=spec.superuser,
            )
            user.set_password(demo.DEMO_PASSWORD)
            user.save()
            if spec.group:
                user.groups.add(groups[spec.group])
            self.created_users.append(spec.username)

        editor = User.objects.get(username="editor")
        for spec in demo.BOARD:
            # A profile is added only to a user this run created: an existing
            # account is never given a role it did not have.
            if spec.username not in self.created_users:
                continue
            today = timezone.localdate()
            member = BoardMember(
                user=User.objects.get(username=spec.username),
                credentials=spec.credentials,
                specialties=spec.specialties,
                bio=spec.bio,
                board_certification=spec.board_certification,
                licence_number=spec.licence_number,
                licence_region=spec.licence_region,
                licence_verified_on=today - datetime.timedelta(days=spec.licence_verified_days_ago),
                licence_expires_on=today + datetime.timedelta(days=spec.licence_expires_in_days),
            )
            member._history_user = editor
            member._change_reason = "Demo board member"
            member.save()

    def ensure_topics(self) -> None:
        editor = get_user_model().objects.get(username="editor")
        for spec in demo.TOPICS:
            topic = Topic.objects.filter(slug=spec.slug).first()
            if topic is None:
                topic = Topic(
                    name=spec.name,
                    slug=spec.slug,
                    description=spec.description,
                    specialty=spec.specialty,
                )
                topic._history_user = editor
                topic._change_reason = "Demo topic"
                topic.save()
                self.created_topics.append(spec.slug)
            self.topics[spec.slug] = topic

    def ensure_checklist(self) -> None:
        editor = get_user_model().objects.get(username="editor")
        for position, spec in enumerate(demo.CHECKLIST, start=1):
            if ChecklistQuestion.objects.filter(text=spec.text).exists():
                continue
            question = ChecklistQuestion(
                text=spec.text,
                topic=self.topics[spec.topic] if spec.topic else None,
                position=position,
            )
            question._history_user = editor
            question._change_reason = "Demo checklist"
            question.save()

    def load_cast(self) -> None:
        """Read the users afresh, so that their permissions are not cached from before."""
        User = get_user_model()
        self.users = {u.username: u for u in User.objects.filter(username__in=usernames())}
        self.members = {
            m.user.username: m
            for m in BoardMember.objects.select_related("user").filter(
                user__username__in=[spec.username for spec in demo.BOARD]
            )
        }
        problems = []
        if not is_editor(self.users["editor"]):
            problems.append("“editor” cannot manage reviews (is it in the Editors group?)")
        if not is_author_role(self.users["author"]):
            problems.append("“author” cannot write articles (is it in the Authors group?)")
        for spec in demo.BOARD:
            member = self.members.get(spec.username)
            if not is_board_member(self.users[spec.username]) or not (member and member.active):
                problems.append(f"“{spec.username}” is not an active board member")
            elif spec.licence_expires_in_days >= 0 and member.licence_expired():
                problems.append(f"“{spec.username}”'s licence has expired")
        if problems:
            raise DemoRefused(
                "The demo articles need the demo users in their roles: " + "; ".join(problems) + "."
            )

    # --- Articles ---------------------------------------------------------------

    def ensure_articles(self) -> None:
        missing = [s for s in demo.ARTICLES if not Article.objects.filter(slug=s.slug).exists()]
        if not missing:
            return
        if self.required > len(reviewing_members()):
            raise DemoRefused(
                f"EDITORIAL_REQUIRED_APPROVALS is {self.required}, but the demo board has only "
                f"{len(reviewing_members())} members who may review: nothing could be approved. "
                "Lower the setting."
            )
        self.load_cast()
        for spec in missing:
            try:
                self.tell_story(spec)
            except WorkflowError as error:
                raise DemoRefused(f"“{spec.slug}”: the workflow refused a step: {error}") from error
            state = Article.objects.get(slug=spec.slug).state
            if state != FINAL_STATE[spec.story]:
                raise DemoRefused(f"“{spec.slug}” ended {state}, not {FINAL_STATE[spec.story]}.")
            self.created_articles.append(spec.slug)

    def ensure_reader_reports(self) -> None:
        """Two readers' reports waiting in the editors' queue, once."""
        if ProblemReport.objects.exists():
            return
        for n, (slug, kind, message, email) in enumerate(demo.READER_REPORTS):
            article = Article.objects.filter(slug=slug, live_version__isnull=False).first()
            if article is None:
                continue
            report = ProblemReport(
                article=article,
                version=article.live_version,
                kind=kind,
                message=message,
                # Received over the last days, not all at once.
                created_at=timezone.now() - datetime.timedelta(days=1 + 3 * n, hours=2 * n),
            )
            report.email = email
            report._change_reason = "Sent by a reader"
            report.save()

    def tell_story(self, spec: demo.DemoArticle) -> None:
        """Take the article through its story, each step on its own day of the past months.

        Spread dates make every tracker and timeline read like real use: one
        review is overdue (accepted three weeks ago, due in two), one approval
        falls due for its yearly re-review, and nothing happened all at once.
        """
        author, editor = self.users["author"], self.users["editor"]
        days = STORY_DAYS[spec.story]
        with on_day(days["write"]):
            pk = self.write(spec)
        if spec.story == demo.DRAFT_AFTER_WITHDRAWAL:
            with on_day(days["submit"]):
                article_submit(article=pk, by=author)
            with on_day(days["withdraw"]):
                article_withdraw(article=pk, by=author, comment=spec.author_comment)
            with on_day(days["edit"]):
                self.edit(pk, spec)
            return
        with on_day(days["submit"]):
            article_submit(article=pk, by=author)
        if spec.story == demo.SUBMITTED:
            return
        if spec.story in (
            demo.APPROVED,
            demo.APPROVED_REVIEW_DUE,
            demo.REVISION_UNDER_REVIEW,
            demo.RETRACTED,
        ):
            self.approve(pk, spec, accept_day=days["accept"], decide_day=days["approve"])
        if spec.story == demo.UNDER_REVIEW:
            with on_day(days["accept"]):
                self.assign(pk, spec.reviewers[:1])
            with on_day(days["invite"]):
                self.assign(pk, spec.pending_invitations, accept=False)
        elif spec.story == demo.CHANGES_REQUESTED:
            with on_day(days["accept"]):
                (assignment,) = self.assign(pk, spec.reviewers[:1])
            with on_day(days["decide"]):
                self.decide(assignment, Decision.REQUEST_CHANGES, spec.review_comment)
        elif spec.story == demo.REJECTED:
            with on_day(days["accept"]):
                (assignment,) = self.assign(pk, spec.reviewers[:1])
            with on_day(days["decide"]):
                self.decide(assignment, Decision.REJECT, spec.review_comment)
            with on_day(days["reject"]):
                article_reject(article=pk, by=editor, comment=spec.editor_comment)
        elif spec.story == demo.RETRACTED:
            with on_day(days["retract"]):
                article_retract(article=pk, by=editor, reason=spec.editor_comment)
        elif spec.story == demo.REVISION_UNDER_REVIEW:
            # The approved version stays live while the revision is written and reviewed.
            with on_day(days["revise"]):
                article_revise(article=pk, by=author, comment=spec.author_comment)
                self.edit(pk, spec)
            with on_day(days["resubmit"]):
                article_submit(article=pk, by=author, comment=spec.author_comment)
            with on_day(days["reinvite"]):
                self.assign(pk, (spec.revision_reviewer,))

    def write(self, spec: demo.DemoArticle) -> int:
        author = self.users["author"]
        article = Article(
            title=spec.title,
            slug=spec.slug,
            summary=spec.summary,
            body=spec.body,
            plain_body=spec.plain_body,
            urgent_help=spec.urgent_help,
            origin=spec.origin,
            topic=self.topics[spec.topic],
            author=author,
        )
        article = article_save_content(article=article, by=author)
        self.add_references(article, spec.references)
        return article.pk

    def edit(self, pk: int, spec: demo.DemoArticle) -> None:
        """The author's second pass: a new body and more references."""
        article = Article.objects.get(pk=pk)
        article.body = spec.edited_body
        article = article_save_content(article=article, by=self.users["author"])
        self.add_references(article, spec.added_references)

    def add_references(self, article: Article, references: tuple[demo.DemoReference, ...]) -> None:
        with transaction.atomic():
            self._add_references(article, references)
            # As the admin does: the log names the references the save came with.
            article_references_saved(
                article=article,
                by=self.users["author"],
                notes=[f"added reference “{spec.title}”" for spec in references],
                part_of=Article.objects.get(pk=article.pk).action_seq,
            )

    def _add_references(self, article: Article, references: tuple[demo.DemoReference, ...]) -> None:
        start = article.references.count() + 1
        for position, spec in enumerate(references, start=start):
            reference = Reference(
                article=article,
                position=position,
                authors=spec.authors,
                title=spec.title,
                journal=spec.journal,
                year=spec.year,
                pmid=spec.pmid,
                doi=spec.doi,
            )
            reference.full_clean()
            reference._history_user = self.users["author"]
            reference._change_reason = "Cited"
            reference.save()

    def assign(
        self, pk: int, reviewers: tuple[str, ...], *, accept: bool = True
    ) -> list[ReviewAssignment]:
        """The editor invites each member; each accepts (the first acceptance starts review)."""
        assignments = []
        for name in reviewers:
            assignment = ReviewAssignment.objects.filter(
                article_id=pk,
                reviewer=self.members[name],
                round=Article.objects.get(pk=pk).review_round,
                status="invited",
            ).first() or assignment_create(
                article=pk, reviewer=self.members[name], by=self.users["editor"]
            )
            if accept:
                assignment = assignment_accept(assignment=assignment, by=self.users[name])
            assignments.append(assignment)
        return assignments

    def decide(self, assignment: ReviewAssignment, decision: str, comment: str) -> None:
        article = Article.objects.select_related("topic").get(pk=assignment.article_id)
        # A member approves having checked every item; one asking for changes
        # leaves unticked what is still wrong (here: the sources).
        answers = {
            q.pk: decision == Decision.APPROVE or position > 0
            for position, q in enumerate(checklist_for(article.topic))
        }
        decision_record(
            assignment=assignment,
            by=self.users[assignment.reviewer.user.username],
            decision=decision,
            comment_to_author=comment,
            no_conflict=True,
            checklist=answers,
            # The member decides on the text as it stands, as the form would say.
            fingerprint=article_fingerprint(article),
        )

    def approve(self, pk: int, spec: demo.DemoArticle, *, accept_day: int, decide_day: int) -> None:
        """Ask as many board members as the policy needs; the last approval publishes."""
        topic = Article.objects.select_related("topic").get(pk=pk).topic
        reviewers = spec.reviewers[: max(self.required, required_approvals(topic))]
        with on_day(accept_day):
            assignments = self.assign(pk, reviewers)
        with on_day(decide_day):
            for assignment, comment in zip(assignments, spec.approval_comments, strict=False):
                self.decide(assignment, Decision.APPROVE, comment)


def reviewing_members() -> list[demo.DemoMember]:
    """The demo's board members whose licence is current: those who can approve."""
    return [spec for spec in demo.BOARD if spec.licence_expires_in_days >= 0]


def usernames() -> list[str]:
    return [spec.username for spec in demo.USERS]


def accounts_not_from_the_demo() -> QuerySet:
    """Accounts the demo did not create: a database holding any looks like a real one."""
    demo_names = {user.username for user in demo.USERS}
    # The reminder command's own account holds no password and no role.
    demo_names.add(settings.EDITORIAL_SYSTEM_USERNAME)
    return get_user_model().objects.exclude(username__in=demo_names)
