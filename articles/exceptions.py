"""The workflow's refusals, below every module that raises or catches them."""


class WorkflowError(Exception):
    """A workflow action was refused; ``str(error)`` says why in plain words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConcurrentChange(WorkflowError):
    """The article changed between the moment the user saw it and their action."""
