"""Reading the next batch while this one is worked on.

Learning reads its users' 90-day horizons 200 users at a time; at 1,000 brands each read keeps
the database busy about 4 s (joins and a sort over 400,000 scores) while Toby waits, then Toby
learns while the database idles. `read_ahead` starts the next batch's read in a thread of its own
as soon as the caller has this batch's rows, so the database works on one core while Toby
learns on the other. One read at most runs ahead, so memory holds two batches' rows at most. A
single batch (a handful of users, as in `toby simulate`) is read in the caller's thread: there is
nothing to overlap, and no thread is started.

Batches come back in order. A read's exception is raised when the caller reaches that batch,
after every batch before it was handed over. A caller that stops early (an error of its own)
leaves nothing running once the iterator is closed (`contextlib.closing`): the read in progress
is waited for and dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import chain
from typing import TypeVar

Batch = TypeVar("Batch")
Rows = TypeVar("Rows")
_END = object()


def read_ahead(
    batches: Iterable[Batch], read: Callable[[Batch], Rows]
) -> Iterator[tuple[Batch, Rows]]:
    """(batch, read(batch)) for each batch in order; the next batch's read runs meanwhile."""
    iterator = iter(batches)
    first = next(iterator, _END)
    if first is _END:
        return
    second = next(iterator, _END)
    if second is _END:
        # One batch (a few users): nothing to overlap, so no thread either.
        yield first, read(first)
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="toby-read-ahead") as thread:
        pending: tuple[Batch, Future] | None = (first, thread.submit(read, first))
        try:
            for batch in chain((second,), iterator):
                # The next read is queued before this batch's rows are handed over.
                current, pending = pending, (batch, thread.submit(read, batch))
                yield current[0], current[1].result()
            current, pending = pending, None
            yield current[0], current[1].result()
        finally:
            # Stopped early: a read not yet started never starts; one in progress ends before
            # the thread does (leaving the executor waits for it), its rows dropped.
            if pending is not None:
                pending[1].cancel()
