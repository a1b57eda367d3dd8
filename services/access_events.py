"""A process-wide count of access changes (an admin, room, org or token activated,
deactivated, moved or revoked), so that caches in this process drop what they hold at once.

Other processes sharing the database do not see this count: their caches re-read within
their own bound (``commands.identity.IDENTITY_TTL_S``).
"""

from __future__ import annotations

_generation = 0


def changed() -> None:
    """Call after the transaction that changed someone's access has committed."""
    global _generation  # one counter per process, by design
    _generation += 1


def generation() -> int:
    """Changes so far in this process; a cache entry read at an older generation is stale."""
    return _generation
