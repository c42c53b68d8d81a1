from django.dispatch import Signal

# Sent inside the transaction that moves an article (so what receivers queue
# commits or rolls back with the change), with
# ``article``, ``transition`` (the method name), ``from_state``, ``to_state``,
# ``by`` and ``comment``. Receivers queue notifications; they never change state.
article_transitioned = Signal()
