from django.dispatch import Signal

# All sent inside the change's transaction, so what receivers queue commits
# or rolls back with it. Receivers queue notifications; they never change state.
reviewer_assigned = Signal()  # assignment, by
assignment_accepted = Signal()  # assignment, by
assignment_declined = Signal()  # assignment, by, reason
assignment_cancelled = Signal()  # assignment, by, reason
decision_recorded = Signal()  # decision, by
