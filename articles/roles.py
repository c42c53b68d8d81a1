"""Who holds which role, and how a person is named: below both apps.

Roles are Django permissions granted through the groups that the
``articles`` data migration creates, so a superuser holds every role and a
deployment may grant them any other way it likes. A role counts only on an
active account. The checks of one user (``is_editor`` …) and the queries
for everyone holding a role (``editors`` …) read the same permissions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django.db.models import QuerySet

    User = AbstractBaseUser | AnonymousUser

EDITOR = "articles.manage_reviews"
AUTHOR = "articles.add_article"
BOARD_MEMBER = "reviewers.add_reviewdecision"
# The login throttle adds a backend of its own (editorial.lockout); the
# permissions themselves are granted through Django's.
PERMISSIONS_BACKEND = "django.contrib.auth.backends.ModelBackend"


def display_name(user) -> str:
    """How a person is named on pages and in emails: full name, else username."""
    return user.get_full_name() or user.get_username()


def is_editor(user: User) -> bool:
    return bool(user and user.is_active and user.has_perm(EDITOR))


def is_author_role(user: User) -> bool:
    return bool(user and user.is_active and user.has_perm(AUTHOR))


def is_board_member(user: User) -> bool:
    """Holds the board member's permission and has a board member's record."""
    return bool(
        user and user.is_active and user.has_perm(BOARD_MEMBER) and hasattr(user, "board_member")
    )


def editors() -> QuerySet:
    """Active accounts holding the editor role, for notifications."""
    return get_user_model().objects.with_perm(EDITOR, backend=PERMISSIONS_BACKEND)


def board_accounts() -> QuerySet:
    """Active accounts holding the board member's permission, as ``is_board_member`` asks."""
    return get_user_model().objects.with_perm(BOARD_MEMBER, backend=PERMISSIONS_BACKEND)
