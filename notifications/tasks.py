"""Background tasks. Enqueue them inside the transaction of the change that causes them."""

from django_tasks import task

from notifications.services import delivery_send


@task()
def deliver_email(delivery_id: int) -> str:
    """Send one queued email (``notifications.models.Delivery``), once."""
    return delivery_send(delivery_id=delivery_id)
