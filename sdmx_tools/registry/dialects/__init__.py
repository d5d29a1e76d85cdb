"""Push dialects, one module per registry kind: ``embedded``, ``sdmx_rest``, ``fmr``.

Each exposes ``push(target, structure, data) -> list[PushOutcome]``.
"""
