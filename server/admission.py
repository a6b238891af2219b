"""First come, first served: a bound on how many turns the Rasa server works on at once.

Rasa runs every turn on one asyncio loop. Without a bound, a unit of officers sending at
once all start their turns together and the loop shares itself between them round-robin:
each time a turn waits for I/O (the action server scoring the reply), it goes to the back
of a queue as long as the number of officers, so the turns that do the most (the scored
ones) are also the ones that wait most, and a turn started early can finish after turns
started later. With the gate, a turn waits once, in arrival order, and then runs with only
a few others beside it: latency follows arrival order and each turn's own work.

The gate never holds a turn forever: a turn that has waited ``max_wait`` seconds goes in
anyway (logged), so a stuck action server cannot starve turns that do not need it.

Configured by ``TRAINER_TURNS_IN_FLIGHT`` (default 4; 0 turns the gate off). At 50 officers
on 2 cores, 4 and 8 gave the same throughput; 4 kept scored and bare turns closest (README).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import AsyncIterator, Optional

logger = logging.getLogger(__name__)

DEFAULT_IN_FLIGHT = 4
DEFAULT_MAX_WAIT = 30.0


class TurnGate:
    def __init__(self, limit: int = DEFAULT_IN_FLIGHT, max_wait: float = DEFAULT_MAX_WAIT) -> None:
        self.limit, self.max_wait = limit, max_wait
        self._slots: Optional[asyncio.Semaphore] = None
        self.waiting = 0
        self.overflowed = 0

    @classmethod
    def from_env(cls) -> "TurnGate":
        raw = os.environ.get("TRAINER_TURNS_IN_FLIGHT", "")
        try:
            limit = int(raw) if raw.strip() else DEFAULT_IN_FLIGHT
        except ValueError:
            logger.warning("TRAINER_TURNS_IN_FLIGHT=%r is not a number: using %d", raw, DEFAULT_IN_FLIGHT)
            limit = DEFAULT_IN_FLIGHT
        return cls(limit=max(0, limit))

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        if self.limit <= 0:
            yield
            return
        if self._slots is None:  # created inside the server's loop
            self._slots = asyncio.Semaphore(self.limit)
        self.waiting += 1
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout=self.max_wait)
            held = True
        except asyncio.TimeoutError:
            held = False
            self.overflowed += 1
            logger.warning("a turn waited %.0f s for a slot (%d in flight): letting it in", self.max_wait, self.limit)
        finally:
            self.waiting -= 1
        try:
            yield
        finally:
            if held:
                self._slots.release()


_gate: Optional[TurnGate] = None


def gate() -> TurnGate:
    """The process's gate, shared by every trainer channel."""
    global _gate
    if _gate is None:
        _gate = TurnGate.from_env()
    return _gate
