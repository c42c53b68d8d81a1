from django.dispatch import Signal

# Sent after the transaction that moved an article has committed, with
# ``article``, ``transition`` (the method name), ``from_state``, ``to_state``,
# ``by`` and ``comment``. Receivers send email; they never change state.
article_transitioned = Signal()
