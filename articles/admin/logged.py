"""Admin pages whose saves are written to the site-wide action log.

Review policy (topics, the checklist, reminder rules) and board members'
credentials change what counts as an approval, so each save through the
admin leaves a row in the action log, in the save's transaction, with the
fields as they were and as they became.
"""

from __future__ import annotations

from django.db import transaction

from articles.actionlog import log_action


class ActionLoggedAdmin:
    """Mixin for a ModelAdmin: every add or change is one action-log row."""

    #: The action-log verb, e.g. "member.credentials".
    logged_action = ""

    def save_model(self, request, obj, form, change):
        before = {name: form.initial.get(name) for name in form.changed_data} if change else {}
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            log_action(
                action=self.logged_action,
                by=request.user,
                payload={
                    "model": obj._meta.label,
                    "id": obj.pk,
                    "object": str(obj),
                    "change": "changed" if change else "created",
                    "before": before,
                    "after": {name: form.cleaned_data.get(name) for name in form.changed_data},
                },
            )
