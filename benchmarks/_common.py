"""What the benchmarks share: peak memory, and measuring in a fresh process.

Each measurement that reports peak memory runs in its own Python process: Linux carries a
parent's peak RSS over into the children it forks, and one tool's peak must not hide
another's.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path


def peak_mib() -> float:
    """This process's peak resident memory in MiB (``ru_maxrss`` is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(script: str | Path, *args: str) -> dict[str, object]:
    """Run ``script`` with ``args`` in a fresh interpreter; its JSON answer (last line)."""
    out = subprocess.run([sys.executable, str(script), *args], check=True,
                         capture_output=True, text=True)
    answer: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return answer
