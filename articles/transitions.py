"""What the transition table says about one article and one user, in the user's words.

The table itself is on the model (``Article``'s ``@transition`` methods,
with a label, a "done" message and whether a comment is required in
``custom``). This module reads it: which transitions a user may take now,
which they could take but for a condition (and why not), and the first
reason a given one is refused. It reads django-fsm-2's ``_django_fsm``
metadata rather than calling ``has_transition_perm``, because a refusal
must name the check that failed, and only the metadata says which one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from articles.exceptions import WorkflowError
from articles.models import Article

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser as User


@dataclass(frozen=True)
class TransitionInfo:
    name: str
    label: str
    comment: str  # "required" or "optional"
    done: str  # what the user is told once it happened


def transition_info(name: str) -> TransitionInfo:
    method = getattr(Article, name, None)
    meta = getattr(method, "_django_fsm", None)
    if meta is None:
        raise WorkflowError(_("“%(name)s” is not a workflow action.") % {"name": name})
    custom = next(iter(meta.transitions.values())).custom
    return TransitionInfo(
        name=name,
        label=str(custom["label"]),
        comment=custom.get("comment", "optional"),
        done=str(custom.get("done", custom["label"])),
    )


def available_transitions(article: Article, user: User) -> list[TransitionInfo]:
    """The transitions this user may take on the article now, in table order."""
    names = [t.name for t in article.get_available_user_state_transitions(user)]
    return [transition_info(name) for name in names]


def refusal(check, article: Article) -> str:
    """The sentence that explains why ``check`` does not hold for the article."""
    reason = getattr(check, "refusal", _("A condition is not met."))
    return str(reason(article) if callable(reason) else reason)


def blocked_transitions(article: Article, user: User) -> list[tuple[TransitionInfo, str]]:
    """Transitions the user could take from this state but for a condition, with why.

    The admin shows them greyed out with their reason, so nobody wonders where
    a button went. Conditions marked ``quiet`` are not worth a word there.
    """
    blocked = []
    for fsm in article.get_all_state_transitions():
        if fsm.source != article.state or not fsm.has_perm(article, user):
            continue
        failing = next((c for c in fsm.conditions if not c(article)), None)
        if failing is not None and not getattr(failing, "quiet", False):
            blocked.append((transition_info(fsm.name), refusal(failing, article)))
    return blocked


def check_allowed(article: Article, name: str, user: User, *, conditions: bool = True) -> None:
    """Raise WorkflowError naming the first reason ``user`` may not take ``name``.

    With ``conditions=False`` only the source state and the permission are
    checked, for a caller that lets the transition itself check its conditions.
    """
    info = transition_info(name)
    meta = getattr(Article, name)._django_fsm
    fsm = meta.get_transition(article.state)
    if fsm is None:
        raise WorkflowError(
            _("“%(action)s” is not possible while the article is %(state)s.")
            % {"action": info.label, "state": article.get_state_display().lower()}
        )
    if not fsm.has_perm(article, user):
        raise WorkflowError(str(getattr(fsm.permission, "refusal", _("You may not do this."))))
    if not conditions:
        return
    for condition in fsm.conditions:
        if not condition(article):
            raise WorkflowError(refusal(condition, article))
