"""Who may take each transition, and what must hold for it.

Each callable carries a ``refusal``: the plain sentence shown to a user
when it does not hold, so the workflow can say exactly why it said no.
Permissions take ``(article, user)``, conditions take ``(article)``, as
django-fsm-2 expects. The roles they ask about are articles.roles; the
approval rule they ask about is reviewers.policy. "An editor who did not
write it" is ``by_other_editor``, for the reviewer services too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from articles.choices import ArticleState
from articles.rendering import unresolved_markers
from articles.roles import is_board_member, is_editor
from reviewers import policy
from reviewers.choices import AssignmentStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from articles.models import Article

    User = AbstractBaseUser | AnonymousUser


def refusing(reason: str) -> Callable:
    """Attach the sentence that explains a failed check to the check."""

    def decorate(check: Callable) -> Callable:
        check.refusal = reason
        return check

    return decorate


# --- Permissions --------------------------------------------------------------
# The roles themselves (editor, author, board member) are in articles.roles.


def wrote(article: Article, user: User) -> bool:
    return bool(user and user.is_authenticated and article.author_id == user.pk)


@refusing(_("Only the article's author can do this."))
def by_author(article: Article, user: User) -> bool:
    return bool(user and user.is_active) and wrote(article, user)


@refusing(_("Only the article's author or an editor can do this."))
def by_author_or_editor(article: Article, user: User) -> bool:
    return by_author(article, user) or is_editor(user)


@refusing(_("Only an editor can do this."))
def by_editor(article: Article, user: User) -> bool:
    return is_editor(user)


@refusing(_("Only an editor who did not write this article can do this."))
def by_other_editor(article: Article, user: User) -> bool:
    """Editors run the review of articles, never of their own."""
    return is_editor(user) and not wrote(article, user)


@refusing(
    _(
        "Only an editor who did not write this article, or a board member accepting their "
        "invitation, can start the review."
    )
)
def by_other_editor_or_accepting_member(article: Article, user: User) -> bool:
    """The review starts when an editor says so or when the first member accepts."""
    if by_other_editor(article, user):
        return True
    return (
        is_board_member(user)
        and not wrote(article, user)
        and policy.current_assignments(article)
        .filter(reviewer__user=user, status=AssignmentStatus.OPEN)
        .exists()
    )


def may_edit_content(article: Article, user: User) -> bool:
    """Its author or an editor, while the article is a draft or back for changes."""
    return article.is_editable and (wrote(article, user) or is_editor(user))


def decided_this_round(article: Article, user: User, decision: str) -> bool:
    """The user recorded ``decision``, without a conflict, on the current round."""
    return bool(
        user
        and user.is_authenticated
        and policy.current_assignments(article)
        .filter(
            reviewer__user=user,
            reviewer__active=True,
            reviewer__user__is_active=True,
            decision__decision=decision,
            decision__conflict_declared=False,
        )
        .exists()
    )


def _by_decision_or_editor(decision: str):
    def permission(article: Article, user: User) -> bool:
        if not user or not user.is_active or wrote(article, user):
            return False
        return is_editor(user) or (
            is_board_member(user)
            and decided_this_round(article, user, decision)
            and not (decision == "approve" and policy.rejection_recommended(article))
        )

    return permission


# A board member moves an article only by recording a decision, which the
# workflow turns into the transition; an editor may take it directly.
by_change_request_or_editor = refusing(
    _(
        "Only an editor, or a board member who requested changes in this round of review, "
        "can send the article back to its author; never the article's author."
    )
)(_by_decision_or_editor("request_changes"))

by_approval_or_editor = refusing(
    _(
        "Only an editor, or a board member who approved this round of review, can complete "
        "the approval; never the article's author. When a member recommends rejection, "
        "only an editor can."
    )
)(_by_decision_or_editor("approve"))


# --- Conditions ---------------------------------------------------------------


@refusing(_("The article has no body yet: write the answer before submitting it."))
def has_body(article: Article) -> bool:
    return bool(article.body and article.body.strip())


@refusing(_("The article cites no sources: add at least one reference before submitting it."))
def has_references(article: Article) -> bool:
    return article.pk is not None and article.references.exists()


def _unresolved(article: Article) -> list[str]:
    count = article.references.count() if article.pk else 0
    return unresolved_markers(article.body, count) + [
        f"{marker} ({_('plain-language answer')})"
        for marker in unresolved_markers(article.plain_body, count)
    ]


def _unresolved_refusal(article: Article) -> str:
    markers = ", ".join(dict.fromkeys(_unresolved(article)))
    return _(
        "The answer cites %(markers)s, but the references do not go that far: add the "
        "missing references or correct the markers."
    ) % {"markers": markers}


@refusing(_unresolved_refusal)
def citations_resolve(article: Article) -> bool:
    return not _unresolved(article)


@refusing(_("No board member has been assigned to review this article yet."))
def has_reviewers(article: Article) -> bool:
    return policy.current_assignments(article).exists()


def _approval_refusal(article: Article) -> str:
    return _("The approval rule does not hold yet: %(why)s") % {
        "why": policy.approval_shortfall(article) or _("a condition is not met.")
    }


@refusing(_approval_refusal)
def approval_rule_holds(article: Article) -> bool:
    return policy.approval_rule_holds(article)


@refusing(
    _(
        "Another article is published at this address: choose another slug before this "
        "article can go public."
    )
)
def slug_is_free(article: Article) -> bool:
    return not slug_taken(article.slug, by_other_than=article.pk)


def slug_taken(slug: str, *, by_other_than: int | None) -> bool:
    """Another article's live version is published at /articles/<slug>/."""
    # By name: articles.models imports this module for its transition table.
    PublishedVersion = apps.get_model("articles", "PublishedVersion")
    return (
        PublishedVersion.objects.filter(slug=slug, live_for__isnull=False)
        .exclude(article_id=by_other_than)
        .exists()
    )


@refusing(_("Nothing from this article is public, so there is nothing to retract."))
def is_public(article: Article) -> bool:
    return article.live_version_id is not None


# Not worth a greyed-out button: most articles have nothing public to retract.
is_public.quiet = True


# --- Restoring an earlier revision --------------------------------------------------


def may_restore(article: Article, user: User) -> bool:
    """The article's author or an editor: the same people as ``by_author_or_editor``."""
    return by_author_or_editor(article, user)


def restore_refusal(article: Article, user: User) -> str | None:
    """Why ``user`` may not restore a revision of the article now, or None."""
    if not may_restore(article, user):
        return str(_("Only the article's author or an editor can restore an earlier revision."))
    if article.is_editable:
        return None
    if article.state == ArticleState.APPROVED:
        return str(
            _(
                "The article is approved: start a revision first, then restore the earlier "
                "text into that draft. Nothing was changed."
            )
        )
    if article.state in (ArticleState.SUBMITTED, ArticleState.UNDER_REVIEW):
        return _(
            "The article is %(state)s, so its text is frozen for the board. Withdraw it "
            "first if you need to restore an earlier revision. Nothing was changed."
        ) % {"state": article.get_state_display().lower()}
    return _(
        "The article is %(state)s: only a draft or an article back for changes can be "
        "restored into. Nothing was changed."
    ) % {"state": article.get_state_display().lower()}
