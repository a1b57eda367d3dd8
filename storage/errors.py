"""Domain errors raised by the repositories; callers turn them into CLI messages, Korean chat
replies or JSON API errors."""


class StorageError(Exception):
    """Base class; ``str(err)`` is a complete, operator-readable sentence."""


class NotFound(StorageError):
    pass


class Conflict(StorageError):
    pass


class Invalid(StorageError):
    pass
