"""The turn gate: at most N turns in flight, first come first served, never stuck for good."""
from __future__ import annotations

import asyncio

from server.admission import TurnGate


async def _turns(gate: TurnGate, n: int, work: float, log: list, live: list):
    async def one(i: int):
        async with gate.turn():
            live.append(1)
            log.append(("in", i, len(live)))
            await asyncio.sleep(work)
            live.pop()

    tasks = []
    for i in range(n):
        tasks.append(asyncio.create_task(one(i)))
        await asyncio.sleep(0)  # arrival order 0, 1, 2, …
    await asyncio.gather(*tasks)


async def test_no_more_than_the_limit_run_at_once_and_they_go_in_arrival_order():
    gate, log, live = TurnGate(limit=3), [], []
    await _turns(gate, 12, 0.01, log, live)
    assert max(depth for _, _, depth in log) == 3
    assert [i for _, i, _ in log] == list(range(12))
    assert gate.overflowed == 0 and gate.waiting == 0


async def test_a_turn_that_waits_too_long_goes_in_anyway():
    gate, log, live = TurnGate(limit=1, max_wait=0.05), [], []
    await _turns(gate, 2, 0.3, log, live)  # the second would wait 0.3 s: it overflows after 0.05 s
    assert gate.overflowed == 1
    assert max(depth for _, _, depth in log) == 2


async def test_limit_zero_turns_the_gate_off():
    gate, log, live = TurnGate(limit=0), [], []
    await _turns(gate, 10, 0.01, log, live)
    assert max(depth for _, _, depth in log) == 10


async def test_a_failing_turn_gives_its_slot_back():
    gate = TurnGate(limit=1)
    try:
        async with gate.turn():
            raise RuntimeError("the turn failed")
    except RuntimeError:
        pass
    await asyncio.wait_for(gate._slots.acquire(), timeout=1)


def test_the_limit_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("TRAINER_TURNS_IN_FLIGHT", "2")
    assert TurnGate.from_env().limit == 2
    monkeypatch.setenv("TRAINER_TURNS_IN_FLIGHT", "lots")
    assert TurnGate.from_env().limit == TurnGate().limit
