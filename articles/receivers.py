"""Notifications of articles' transitions, queued in the transaction that made them."""

from django.dispatch import receiver

from articles.notifications import send_templated
from articles.signals import article_transitioned
from articles.viewer import editors_of

# Who hears about which transition: the author when the board or an editor
# decides; editors when an article arrives or leaves their queue.
TO_AUTHOR = {"request_changes", "approve", "reject", "retract", "reopen"}
TO_EDITORS = {"submit", "withdraw"}


@receiver(article_transitioned)
def email_about_transition(sender, *, article, transition, by, comment, **kwargs):
    context = {"article": article, "transition": transition, "by": by, "comment": comment}
    if transition in TO_AUTHOR and article.author_id != by.pk:
        send_templated(
            template=f"article_{transition}", recipients=[article.author], context=context
        )
    if transition in TO_EDITORS:
        send_templated(
            template=f"article_{transition}",
            recipients=[user for user in editors_of(article) if user.pk != by.pk],
            context=context,
        )
