"""A one-line counter for long runs (``hpcspec: 37/200 specs``), on a terminal only.

Someone watching a terminal wants to see that a compile of 200 specs is moving; a CI log or a
pipe wants none of it (carriage returns make logs unreadable). So the line is drawn only when
stderr is a terminal, ``CI`` is not set and ``TERM`` is not ``dumb``; only after the run has
taken `delay` seconds (a quick run never flickers); at most every `interval` seconds; and it is
cleared before anything else is said, so the messages and the exit code are those of a run
without it. The no-op path never imports this module.
"""

from __future__ import annotations

import os
import time

from . import console

CLEAR = "\r\x1b[K"  # back to the start of the line, erase it


def wanted(environ=os.environ) -> bool:
    return console.is_terminal("stderr") and "CI" not in environ and environ.get("TERM") != "dumb"


class Progress:
    """``with Progress(total) as progress: for item in progress.iterate(items): ...``"""

    def __init__(self, total: int, noun: str = "specs", enabled: bool | None = None, delay: float = 0.5,
                 interval: float = 0.1, clock=time.monotonic) -> None:
        self.total, self.noun = total, noun
        self.enabled = (wanted() if enabled is None else enabled) and total > 1
        self.delay, self.interval, self.clock = delay, interval, clock
        self.start = clock()
        self.drawn_at: float | None = None  # when the line was last drawn (None: not on screen)

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        now = self.clock()
        if now - self.start < self.delay:
            return
        if self.drawn_at is not None and now - self.drawn_at < self.interval and done < self.total:
            return
        console.err(f"{CLEAR}hpcspec: {done}/{self.total} {self.noun}")
        self.drawn_at = now

    def iterate(self, items):
        """Yield `items`, counting each one done when the next is asked for (a consumer that
        works as it iterates, as api.compile_files does, is counted as it goes)."""
        for done, item in enumerate(items):
            self.update(done)
            yield item
        self.update(self.total)

    def clear(self) -> None:
        if self.drawn_at is not None:
            console.err(CLEAR)
            self.drawn_at = None

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.clear()
