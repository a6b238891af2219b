"""``make bench``: the real stack under simulated officers, beside a bare Rasa turn.

Starts the action server and the Rasa server (as ``make run`` does) on free ports
with a fresh records database, then, for each load level, lets N officers play a
full scenario at once over the trainer's REST channel. Every officer's script
interleaves scenario replies (NLU → action server → scorer → records database →
counterpart line) with "帮助" (NLU → the plain ``utter_help`` response, no custom
action): the bare turn, measured under the same load in the same run.

Prints per level: turns, throughput, p50/p95/p99 of the scenario turn and of the
bare turn, the p95 ratio, errors, whether every scored reply was stored exactly
once, and the stack's peak memory (resident set of both servers and their children).
Last, it restarts the Rasa server with the turn gate off (server/admission.py) and plays
50 officers again, so the gate's effect is measured side by side in the same run.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Dict, List, Tuple

import aiohttp
from sqlalchemy import func, select

from actions.records.db import session_factory
from actions.records.migrate import upgrade
from actions.records.models import Turn
from actions.trainer.scenarios import library
from tools.stack import DEFAULT_MODEL, Ports, Stack, free_ports, officer_token

REPLIES = [
    "感谢您的理解，但法律面前人人平等，我们必须依法处理。",
    "交情归交情，这件事只能依法处理，有异议请通过正规渠道申诉。",
    "请您不要这样做，您的行为可能涉嫌违法，请立即停止。",
    "请您理解，我必须依法处理。您再施压，我会记录在案并向纪检监察部门报告。",
]
BARE = "帮助"


def rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, in kB."""
    total = 0
    try:
        total += int(next(l for l in Path(f"/proc/{pid}/status").read_text().splitlines()
                          if l.startswith("VmRSS")).split()[1])
        for child in Path(f"/proc/{pid}/task").glob("*/children"):
            for cpid in child.read_text().split():
                total += rss_kb(int(cpid))
    except (FileNotFoundError, StopIteration, ProcessLookupError):
        pass
    return total


class MemoryWatch(threading.Thread):
    def __init__(self, pids: List[int]):
        super().__init__(daemon=True)
        self.pids, self.peak, self._halt = pids, 0, threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak = max(self.peak, sum(rss_kb(p) for p in self.pids))
            self._halt.wait(0.25)

    def stop(self) -> int:
        self._halt.set()
        self.join()
        return self.peak


async def officer(session: aiohttp.ClientSession, url: str, officer_id: str, number: int,
                  timings: Dict[str, List[float]], errors: List[str]) -> int:
    """Play one scenario to its end; returns how many scored replies were sent."""
    headers = {"Authorization": f"Bearer {officer_token(officer_id)}"}
    script: List[Tuple[str, str]] = [("start", str(number))]
    for reply in REPLIES:
        script += [("scenario", reply), ("bare", BARE)]
    sent = 0
    for kind, text in script:
        t0 = time.perf_counter()
        try:
            async with session.post(url, json={"message": text, "message_id": uuid.uuid4().hex},
                                    headers=headers, timeout=aiohttp.ClientTimeout(total=300)) as resp:
                body = await resp.json()
                if resp.status != 200 or not body:
                    errors.append(f"{officer_id}: HTTP {resp.status} {str(body)[:80]}")
        except Exception as exc:  # noqa: BLE001 - a benchmark counts errors, it does not stop
            errors.append(f"{officer_id}: {exc.__class__.__name__}")
            continue
        timings[kind].append((time.perf_counter() - t0) * 1000)
        if kind == "scenario":
            sent += 1
    return sent


def pct(values: List[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def run_level(stack: Stack, n: int, tag: str) -> Dict[str, object]:
    url = f"http://127.0.0.1:{stack.ports.rasa}/webhooks/trainer_rest/webhook"
    timings: Dict[str, List[float]] = {"start": [], "scenario": [], "bare": []}
    errors: List[str] = []
    numbers = [library().number_of(s.id) for s in library()]
    connector = aiohttp.TCPConnector(limit=0)
    t0 = time.perf_counter()
    async with aiohttp.ClientSession(connector=connector) as session:
        sent = await asyncio.gather(*[
            officer(session, url, f"bench-{tag}-{i}", numbers[i % len(numbers)], timings, errors) for i in range(n)])
    elapsed = time.perf_counter() - t0
    factory = session_factory(stack.env["TRAINER_DATABASE_URL"])
    with factory() as s:
        from actions.records.models import TrainingSession

        stored = s.execute(select(func.count(Turn.id)).join(TrainingSession, Turn.session_id == TrainingSession.id)
                           .where(TrainingSession.officer_id.like(f"bench-{tag}-%"))).scalar_one()
        dupes = s.execute(select(func.count()).select_from(
            select(Turn.session_id, Turn.reply).join(TrainingSession, Turn.session_id == TrainingSession.id)
            .where(TrainingSession.officer_id.like(f"bench-{tag}-%"))
            .group_by(Turn.session_id, Turn.reply).having(func.count() > 1).subquery())).scalar_one()
    turns = sum(len(v) for v in timings.values())
    return {
        "officers": n, "turns": turns, "seconds": elapsed, "throughput": turns / elapsed,
        "scenario": timings["scenario"], "bare": timings["bare"], "errors": errors,
        "sent": sum(sent), "stored": stored, "duplicates": dupes,
    }


def measured_level(stack: Stack, n: int, tag: str) -> Dict[str, object]:
    """run_level with the stack's peak memory (both servers and their children) while it runs."""
    watch = MemoryWatch([p.pid for p in stack.procs.values()])
    watch.start()
    result = asyncio.run(run_level(stack, n, tag))
    result["peak_mb"] = watch.stop() / 1024
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--levels", default="1,10,50,200", help="comma-separated numbers of simultaneous officers")
    parser.add_argument("--no-gate-comparison", action="store_true",
                        help="skip the last run: 50 officers again with the turn gate off (server/admission.py)")
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    if not DEFAULT_MODEL.is_file():
        print("no trained model: run `make model` first", file=sys.stderr)
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="trainer-bench-"))
    db_url = f"sqlite:///{tmp / 'trainer.db'}"
    upgrade(db_url)
    rasa, actions, web = free_ports(3)
    os.environ.setdefault("TRAINER_SECRET_KEY", "bench-only-secret-" + uuid.uuid4().hex)
    stack = Stack(ports=Ports(rasa=rasa, actions=actions, web=web), var=tmp,
                  env={"TRAINER_DATABASE_URL": db_url, "TRAINER_SEED": "1"})
    print(f"starting the stack (action server + Rasa server) in {tmp} …", flush=True)
    stack.start(components=("actions", "rasa"), timeout=300)
    rows = []
    try:
        pids = [p.pid for p in stack.procs.values()]
        asyncio.run(run_level(stack, 1, "warmup"))  # first requests load caches on both servers: not measured
        idle = sum(rss_kb(p) for p in pids)
        for n in levels:
            rows.append(measured_level(stack, n, f"L{n}"))
            print(f"  {n} officers done in {rows[-1]['seconds']:.1f} s", flush=True)
        if not args.no_gate_comparison:
            # Same stack, same database, Rasa restarted with every turn admitted at once.
            stack.env["TRAINER_TURNS_IN_FLIGHT"] = "0"
            stack.restart("rasa", timeout=300)
            asyncio.run(run_level(stack, 1, "warmup-nogate"))
            rows.append({**measured_level(stack, 50, "L50-nogate"), "label": "50 ungated"})
            print(f"  50 officers, gate off, done in {rows[-1]['seconds']:.1f} s", flush=True)
    finally:
        stack.stop()

    print(f"\nmachine: {os.cpu_count()} cores; stack idle memory {idle / 1024:.0f} MB")
    head = (f"{'officers':>8} {'turns':>6} {'turns/s':>8} | {'scenario p50/p95/p99 ms':>24} | "
            f"{'bare p50/p95/p99 ms':>22} | {'p95 ratio':>9} | {'errors':>6} | {'stored/sent':>11} {'dup':>4} | {'peak MB':>7}")
    print(head)
    print("-" * len(head))
    for r in rows:
        sc, ba = r["scenario"], r["bare"]
        ratio = pct(sc, 95) / pct(ba, 95)
        print(f"{r.get('label', r['officers']):>8} {r['turns']:>6} {r['throughput']:>8.1f} | "
              f"{pct(sc, 50):>7.0f}/{pct(sc, 95):>7.0f}/{pct(sc, 99):>7.0f}  | "
              f"{pct(ba, 50):>6.0f}/{pct(ba, 95):>6.0f}/{pct(ba, 99):>6.0f}  | {ratio:>9.2f} | {len(r['errors']):>6} | "
              f"{r['stored']:>5}/{r['sent']:<5} {r['duplicates']:>4} | {r['peak_mb']:>7.0f}")
    lost = [r for r in rows if r["stored"] != r["sent"] or r["duplicates"]]
    fifty = next((r for r in rows if r["officers"] == 50 and "label" not in r), None)
    ungated = next((r for r in rows if r.get("label")), None)
    print("\nevery sent reply stored exactly once:", "yes" if not lost else "NO")
    if fifty:
        ratio = pct(fifty["scenario"], 95) / pct(fifty["bare"], 95)
        print(f"p95 at 50 officers: {ratio:.2f}× the bare turn (target ≤ 1.3×)")
    if fifty and ungated:
        print(f"  gate off, same run: {pct(ungated['scenario'], 95) / pct(ungated['bare'], 95):.2f}× "
              f"(scored p95 {pct(ungated['scenario'], 95):.0f} ms gated {pct(fifty['scenario'], 95):.0f} ms; "
              f"bare p95 {pct(ungated['bare'], 95):.0f} ms gated {pct(fifty['bare'], 95):.0f} ms)")
    print(f"peak memory: {max(r['peak_mb'] for r in rows):.0f} MB (target < 2048 MB)")
    for r in rows:
        for e in r["errors"][:5]:
            print("  error:", e)
    (tmp / "bench.json").write_text(json.dumps(
        [{k: v for k, v in r.items() if k not in ("scenario", "bare")} for r in rows], default=str, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
