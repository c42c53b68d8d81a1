"""Writes on readers' problem reports: the reply and the revision started from one.

Like the workflow services, each locks the report, refuses with a plain
reason, saves once with a change reason (so the report's history says who
did what), writes its action-log row, and queues email in the same
transaction (the worker sends it once the change has committed).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from articles.actionlog import log_action
from articles.choices import OPEN_REPORT_STATUSES, ArticleState, ReportStatus
from articles.exceptions import WorkflowError
from articles.models import Article, ProblemReport
from articles.notifications import send_templated
from articles.roles import is_editor
from articles.services import article_revise

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser as User

MAX_REPLY_CHARS = 5000
# States in which a revision is already open or under way: linking the
# report is enough, publishing that revision closes it (articles.services).
REVISION_UNDER_WAY = (
    ArticleState.DRAFT,
    ArticleState.CHANGES_REQUESTED,
    ArticleState.SUBMITTED,
    ArticleState.UNDER_REVIEW,
)


def _lock(report: ProblemReport | int) -> ProblemReport:
    pk = report.pk if isinstance(report, ProblemReport) else report
    return ProblemReport.objects.select_for_update().select_related("article", "version").get(pk=pk)


def _check_editor(by: User) -> None:
    if not is_editor(by):
        raise WorkflowError(_("Only editors handle readers' reports."))


def report_reply(*, report: ProblemReport | int, by: User, text: str) -> ProblemReport:
    """Email the reader a reply and record it on the report."""
    text = (text or "").strip()
    if not text:
        raise WorkflowError(_("Write the reply first: nothing was sent."))
    if len(text) > MAX_REPLY_CHARS:
        raise WorkflowError(
            _("The reply is longer than %(n)s characters: nothing was sent.")
            % {"n": MAX_REPLY_CHARS}
        )
    with transaction.atomic():
        _check_editor(by)
        report = _lock(report)
        if not report.email:
            raise WorkflowError(
                _("The reader left no email address, so no reply can be sent. Nothing was sent.")
            )
        report.reply = text
        report.replied_at = timezone.now()
        report.replied_by = by
        report.handled_by = by
        if report.status == ReportStatus.NEW:
            report.status = ReportStatus.IN_PROGRESS
        report._history_user = by
        report._change_reason = _("Replied to the reader")
        report.save()
        context = {"report": report, "article_title": report.version.title, "reply": text}
        reader = SimpleNamespace(email=report.email)
        log_action(
            action="report.reply",
            by=by,
            article=report.article,
            from_state=report.article.state,
            to_state=report.article.state,
            payload={"report": report.pk, "reply": text},
        )
        send_templated(template="report_reply", recipients=[reader], context=context)
    return report


def report_start_revision(*, report: ProblemReport | int, by: User) -> ProblemReport:
    """Open a revision of the article to fix what the reader reported, linked to the report.

    An approved article gets a new draft (readers keep the live version); an
    article whose revision is already open or in review is linked to it.
    """
    with transaction.atomic():
        _check_editor(by)
        report = _lock(report)
        if report.status not in OPEN_REPORT_STATUSES:
            raise WorkflowError(_("This report is closed: reopen it before starting a revision."))
        article = Article.objects.get(pk=report.article_id)
        if article.state == ArticleState.APPROVED:
            article_revise(
                article=article,
                by=by,
                comment=_("Revision started from a reader's report: %(kind)s")
                % {"kind": report.get_kind_display()},
            )
        elif article.state not in REVISION_UNDER_WAY:
            raise WorkflowError(
                _("The article is %(state)s: no revision can be started from this report.")
                % {"state": article.get_state_display().lower()}
            )
        report.revision_started_at = timezone.now()
        report.status = ReportStatus.IN_PROGRESS
        report.handled_by = by
        report._history_user = by
        report._change_reason = _("Revision started from this report")
        report.save()
        current = Article.objects.only("state").get(pk=article.pk)
        log_action(
            action="report.revision",
            by=by,
            article=current,
            from_state=current.state,
            to_state=current.state,
            payload={"report": report.pk, "kind": report.kind},
        )
    return report
