"""Push dialects, one module per registry kind: ``embedded``, ``sdmx_rest``, ``fmr``.

Each exposes ``push(target, structure, data) -> list[PushOutcome]``: ``structure`` is the
Structure message's bytes (or None) and ``data`` the :class:`~.outcome.DataUpload` list; the
client reads the files, so a dialect never touches the file system.
"""
