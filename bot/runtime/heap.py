"""Process-wide tuning for a long-running bot, applied once its start-up work is done."""

from __future__ import annotations

import gc


def freeze_startup_heap() -> None:
    """Take what start-up built out of the cyclic collector's sight.

    The imported libraries alone leave over 140,000 objects that live as long as the process, and
    the lesson shelf adds more. Each full collection walks them all, stalling the event loop (up to
    118 ms measured during a broadcast, `benchmarks/broadcast.py --no-freeze`): replies wait, and
    sends released before the stall reach the platform bunched together, eating into the pacer's
    headroom. Frozen, a full collection walks only what was made since (2-5 ms). This is the use
    `gc.freeze` was made for; call it after start-up and before serving.
    """
    gc.collect()
    gc.freeze()
