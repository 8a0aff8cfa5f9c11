"""Writes of the demands and work-orders module, one function per change (architecture §2).

``actor=None`` is the platform itself (sweeps, the demo seed, other modules' hooks) and skips the
permission check. Every action takes ``now=None`` (default ``timezone.now()``)."""
