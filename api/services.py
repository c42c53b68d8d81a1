"""Writes of the API app: integrations, keys, drafts, subscriptions, redelivery.

Drafts go through the articles' own services, so the same permissions,
validation and history apply as in the admin; this module adds only what
an outside system needs around them (references in one go, provenance).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from api import keys
from api.models import ApiKey, Integration, WebhookDelivery, WebhookSubscription
from api.scopes import DeliveryStatus, Event, Scope
from api.webhooks import deliver_webhook
from articles.actionlog import log_action
from articles.exceptions import WorkflowError
from articles.models import Article, Reference
from articles.services import (
    article_save_content,
    article_submit,
    article_withdraw,
)

if TYPE_CHECKING:
    import datetime

    from django.contrib.auth.models import AbstractBaseUser as User

AUTHORS_GROUP = "Authors"


class ApiError(WorkflowError):
    """A refused API request; ``fields`` names the fields at fault, when any."""

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}


# --- Integrations and keys ----------------------------------------------------------


def integration_create(*, name: str, by: User | None, description: str = "") -> Integration:
    """An integration with its own author account, which owns the drafts it sends."""
    name = name.strip()
    if not name:
        raise ApiError(_("An integration needs a name."), {"name": [_("This field is required.")]})
    with transaction.atomic():
        if Integration.objects.filter(name=name).exists():
            raise ApiError(
                _("An integration called “%(name)s” exists already.") % {"name": name},
                {"name": [_("Choose another name.")]},
            )
        base = f"integration-{slugify(name)[:100] or 'system'}"
        username, n = base, 1
        users = get_user_model().objects
        while users.filter(username=username).exists():
            n += 1
            username = f"{base}-{n}"
        account = users.create(username=username, first_name=name[:150], is_staff=False)
        account.set_unusable_password()
        account.save(update_fields=["password"])
        account.groups.add(Group.objects.get(name=AUTHORS_GROUP))
        return Integration.objects.create(
            name=name, account=account, description=description, created_by=by
        )


def _check_scopes(scopes: list[str]) -> list[str]:
    known = {s.value for s in Scope}
    unknown = [s for s in scopes if s not in known]
    if unknown or not scopes:
        raise ApiError(
            _("Scopes must be one or more of %(known)s; not %(bad)s.")
            % {"known": ", ".join(sorted(known)), "bad": ", ".join(unknown) or _("none")},
            {"scopes": [_("Unknown or missing scope.")]},
        )
    return sorted(set(scopes))


def api_key_create(
    *,
    integration: Integration,
    scopes: list[str],
    by: User | None,
    label: str = "",
    expires_at: datetime.datetime | None = None,
) -> tuple[ApiKey, str]:
    """A new key and its secret text, which is returned here once and never stored."""
    scopes = _check_scopes(scopes)
    if expires_at is not None and expires_at <= timezone.now():
        raise ApiError(
            _("The expiry date is in the past."), {"expires_at": [_("Choose a future date.")]}
        )
    key, prefix, digest = keys.new_key()
    api_key = ApiKey.objects.create(
        integration=integration,
        label=label,
        prefix=prefix,
        digest=digest,
        scopes=scopes,
        expires_at=expires_at,
        created_by=by,
    )
    return api_key, key


def api_key_revoke(*, api_key: ApiKey, by: User | None) -> ApiKey:
    with transaction.atomic():
        api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
        if api_key.revoked_at is None:
            api_key.revoked_at = timezone.now()
            api_key.revoked_by = by
            api_key.save(update_fields=["revoked_at", "revoked_by"])
    return api_key


# --- Drafts ---------------------------------------------------------------------------


def _validation_fields(error: ValidationError, prefix: str = "") -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            f"{prefix}{name}": [str(m) for m in errs[0:]]
            for name, errs in error.message_dict.items()
        }
    return {prefix.rstrip(".") or "non_field_errors": [str(m) for m in error.messages]}


def _unique_slug(title: str, wanted: str = "") -> str:
    if wanted:
        return wanted
    base = slugify(title)[:180] or "article"
    slug, n = base, 1
    while Article.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _replace_references(article: Article, references: list[dict], *, by: User) -> None:
    """Write the article's references in the order given, with history for each row."""
    for old in list(article.references.all()):
        old._history_user = by
        old.delete()
    for position, data in enumerate(references, start=1):
        reference = Reference(article=article, position=position, **data)
        try:
            reference.full_clean(exclude=["article"])
        except ValidationError as error:
            fields = _validation_fields(error, prefix=f"references.{position - 1}.")
            raise ApiError(
                _("Reference %(n)s is not valid. Nothing was saved.") % {"n": position}, fields
            ) from error
        reference._history_user = by
        reference.save()


def _saved(article: Article, *, by: User) -> Article:
    try:
        return article_save_content(article=article, by=by)
    except WorkflowError as error:
        if isinstance(error.__cause__, ValidationError):
            raise ApiError(error.message, _validation_fields(error.__cause__)) from error
        raise


def via_key(api_key) -> str:
    """How the action log names the key an action came through."""
    return f"api key {api_key.prefix}" if api_key is not None else "api"


def draft_create(*, data: dict, by: User, via: str = "api") -> Article:
    """A new draft by ``by`` with its references, all or nothing."""
    references = data.pop("references", [])
    with transaction.atomic():
        article = Article(**data)
        article.slug = _unique_slug(article.title, data.get("slug", ""))
        article = _saved(article, by=by)
        _replace_references(article, references, by=by)
        log_action(
            action="api.draft_create",
            by=by,
            article=article,
            to_state=article.state,
            payload={"via": via, "origin": article.origin, "generator": article.generator},
        )
    return article


def draft_update(*, article: Article, data: dict, by: User, via: str = "api") -> Article:
    """Change a draft's content (and references, when given) while it may be edited."""
    references = data.pop("references", None)
    with transaction.atomic():
        current = Article.objects.locked(article)
        for name, value in data.items():
            setattr(current, name, value)
        current = _saved(current, by=by)
        if references is not None:
            _replace_references(current, references, by=by)
        changed = sorted(data) + (["references"] if references is not None else [])
        log_action(
            action="api.draft_update",
            by=by,
            article=current,
            payload={"via": via, "fields": changed},
        )
    return current


def draft_submit(*, article: Article, by: User, comment: str = "", via: str = "api") -> Article:
    """Submit through the workflow, noting in the action log which key asked."""
    with transaction.atomic():
        from_state = article.state
        article = article_submit(article=article, by=by, comment=comment)
        log_action(
            action="api.draft_submit",
            by=by,
            article=article,
            from_state=from_state,
            to_state=article.state,
            payload={"via": via},
        )
    return article


def draft_withdraw(*, article: Article, by: User, comment: str = "", via: str = "api") -> Article:
    """Withdraw through the workflow, noting in the action log which key asked."""
    with transaction.atomic():
        from_state = article.state
        article = article_withdraw(article=article, by=by, comment=comment)
        log_action(
            action="api.draft_withdraw",
            by=by,
            article=article,
            from_state=from_state,
            to_state=article.state,
            payload={"via": via},
        )
    return article


# --- Webhooks -------------------------------------------------------------------------


def webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def subscription_create(
    *, integration: Integration, url: str, events: list[str], all_articles: bool = False
) -> WebhookSubscription:
    known = {e.value for e in Event}
    unknown = [e for e in events if e not in known]
    if unknown or not events:
        raise ApiError(
            _("Events must be one or more of %(known)s.") % {"known": ", ".join(sorted(known))},
            {"events": [_("Unknown or missing event.")]},
        )
    return WebhookSubscription.objects.create(
        integration=integration,
        url=url,
        events=sorted(set(events)),
        all_articles=all_articles,
        secret=webhook_secret(),
    )


def subscription_enable(*, subscription: WebhookSubscription) -> WebhookSubscription:
    subscription.active = True
    subscription.consecutive_failures = 0
    subscription.disabled_at = None
    subscription.disabled_reason = ""
    subscription.save(
        update_fields=["active", "consecutive_failures", "disabled_at", "disabled_reason"]
    )
    return subscription


def delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again, with the same event id and body, as a fresh series of tries."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        delivery.status = DeliveryStatus.PENDING
        delivery.attempts = 0
        delivery.next_attempt_at = timezone.now()
        delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
        deliver_webhook.enqueue(delivery.pk)
    return delivery
