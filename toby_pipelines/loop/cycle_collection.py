"""Python's cycle collector paused while a stage turns rows into objects.

A stage turns hundreds of thousands of rows into small objects (posts, scores, snapshots, their
options) that form no reference cycles, so reference counting frees each of them as soon as it
is done with. Python's cycle collector does not know that: as the objects pile up it walks all
of them again and again. At 1,000 brands that walking was a fifth of the posteriors' CPU time
and a quarter of the snapshots' and scores' (`make bench-scale`). The stages run with it paused;
whatever they leave in cycles is collected by the first collection after them, and their peak
memory measured the same.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Usable as a decorator. Nested uses, and a collector already paused, are left as found."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
