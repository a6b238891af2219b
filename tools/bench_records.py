"""Benchmark the records at scale: ``python -m tools.bench_records [--url URL] [--turns N]``.

Seeds a PostgreSQL database with 100,000 scored turns (about 12,500 sessions of 300
officers in 20 units, 2 % of them overridden by a coach) with bulk inserts, then
times, as the median of 5 runs:

- the queries behind each console page, in process (``queries``), and
- the pages themselves over HTTP from the real web app (started like ``make run``
  starts it, signed in as a coordinator): session list (first page, without and
  with filters), a transcript, the review queue and the dashboard.

Without ``--url`` it starts a throwaway PostgreSQL 15 cluster the way the tests do
(``ThrowawayPostgres``, also used by tests/records/conftest.py) and removes it after.
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parents[1]
RUNS = 5


from tools.services import ThrowawayPostgres  # noqa: E402 - shared with the tests


# -- seeding ---------------------------------------------------------------------------------
REPLIES = (
    "感谢您的理解，但法律面前人人平等，我们必须依法处理。如果您有异议，可以通过正规渠道申诉。",
    "不行，这个忙我不能帮，违反纪律的事我不做。",
    "对不起，按规定这个不能收，请您拿回去。",
    "这个嘛……我再考虑考虑，过两天再说吧。",
    "那就谢谢了，卡我收下了。",
    "您的心意我领了，但是纪律规定不能收，请您收回。有问题可以向纪检监察部门反映。",
    "我帮你问问吧。",
    "不行！你少来这套，滚！",
    "老同学，我理解你的心情，但依法处理是我的职责，这事我会按程序办，也会如实登记报告。",
    "原则上不行，但是你要是真有困难，我们再想想办法。",
    "依法处理 正规渠道 纪检监察",
    "唉，难办啊。",
)


def scored_pool(kinds=("favour", "gift")) -> Dict[str, List[dict]]:
    """Each reply scored for real once per kind; the seeded turns draw from these."""
    from actions.scoring.scorer import default_scorer

    scorer = default_scorer()
    return {k: [dict(reply=r, **scorer.score(k, r).to_dict()) for r in REPLIES] for k in kinds}


def seed(url: str, turns_target: int = 100_000, officers: int = 300, units: int = 20, seed_value: int = 7) -> Dict[str, int]:
    from sqlalchemy import create_engine, insert, text

    from actions.records.models import (MOVE_BITS, RED_LINE_BITS, Annotation, Officer, TrainingSession, Turn, Unit,
                                        mask_of)
    from actions.scoring.lexicon import GAVE_IN_RED_LINES, rubric_version
    from actions.trainer.scenarios import library

    rng = random.Random(seed_value)
    scenarios = list(library())
    pool = scored_pool()
    rubric = rubric_version()
    engine = create_engine(url, future=True)
    now = dt.datetime.utcnow().replace(microsecond=0)
    with engine.begin() as conn:
        conn.execute(insert(Unit.__table__), [{"id": i + 1, "name": f"第{i + 1:02d}中队"} for i in range(units)])
        conn.execute(insert(Officer.__table__), [
            {"id": f"o{i:04d}", "display_name": f"警员{i:04d}", "unit_id": i % units + 1,
             "pseudonymous": i % 10 == 0, "created_at": now} for i in range(officers)])

    sessions: List[dict] = []
    turn_rows: List[dict] = []
    while len(turn_rows) < turns_target:
        sc = rng.choice(scenarios)
        n = min(rng.randint(4, 12), turns_target - len(turn_rows))
        started = now - dt.timedelta(days=rng.uniform(0, 180))
        sid = uuid.uuid4().hex
        picks = [rng.choice(pool[sc.kind]) for _ in range(n)]
        gave_in = any(r in GAVE_IN_RED_LINES for p in picks for r in p["red_lines"])
        score = round(sum(p["score"] for p in picks) / n)
        score = min(score, 19) if gave_in else score
        outcome = "consequence" if gave_in else rng.choice(("withdrawn", "withdrawn", "withdrawn", "abandoned"))
        passed = not gave_in and outcome == "withdrawn" and score >= 60
        sessions.append({
            "id": sid, "officer_id": f"o{rng.randrange(officers):04d}", "conversation_id": f"bench-{sid[:12]}",
            "scenario_id": sc.id, "scenario_version": sc.version, "scenario_kind": sc.kind, "rubric_version": rubric,
            "mode": rng.choice(("practice", "practice", "assessment")), "channel": rng.choice(("web", "rest", "teams")),
            "seed": rng.randrange(2 ** 31), "started_at": started, "ended_at": started + dt.timedelta(minutes=n),
            "outcome": outcome, "total_score": score, "passed": passed, "red_line_hit": gave_in, "debrief": None,
            "effective_score": score, "effective_passed": passed,
        })
        for i, p in enumerate(picks):
            shown = [m for m, on in p["moves"].items() if on]
            turn_rows.append({
                "session_id": sid, "index": i, "message_id": f"m{i}", "stage": sc.stages[min(i, len(sc.stages) - 1)].kind,
                "counterpart": sc.stages[min(i, len(sc.stages) - 1)].lines[0], "reply": p["reply"],
                "score": p["score"], "band": p["band"], "passed": p["passed"], "moves": p["moves"],
                "evidence": p["evidence"], "red_lines": p["red_lines"], "feedback": p["feedback"],
                "model_answer": p["model_answer"], "confidence": p["confidence"], "stance": "firm",
                "latency_ms": rng.uniform(2, 15), "created_at": started + dt.timedelta(seconds=30 * (i + 1)),
                "missing": p["missing"], "moves_mask": mask_of(shown, MOVE_BITS),
                "missing_mask": mask_of(p["missing"], MOVE_BITS), "red_mask": mask_of(p["red_lines"], RED_LINE_BITS),
            })
    with engine.begin() as conn:
        for start in range(0, len(sessions), 2000):
            conn.execute(insert(TrainingSession.__table__), sessions[start:start + 2000])
        for start in range(0, len(turn_rows), 5000):
            conn.execute(insert(Turn.__table__), turn_rows[start:start + 5000])
    # 2 % of sessions get a coach's session override with a reason, and a comment.
    overridden = rng.sample(sessions, len(sessions) // 50)
    with engine.begin() as conn:
        notes = []
        for row in overridden:
            new = rng.randint(40, 95)
            note = {"session_id": row["id"], "turn_id": None, "author": "bench", "score_override": None,
                    "previous_score": None, "reason": None, "comment": None, "created_at": now}
            notes.append({**note, "score_override": new, "previous_score": row["total_score"], "reason": "复核后调整"})
            notes.append({**note, "comment": "注意先明确拒绝，再讲依据。"})
            conn.execute(TrainingSession.__table__.update().where(TrainingSession.id == row["id"]).values(
                override_score=new, effective_score=new, effective_passed=new >= 60))
        conn.execute(insert(Annotation.__table__), notes)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return {"sessions": len(sessions), "turns": len(turn_rows), "officers": officers, "units": units,
            "overrides": len(overridden)}


# -- timing ----------------------------------------------------------------------------------
def median_ms(fn: Callable[[], object], runs: int = RUNS) -> float:
    fn()  # warm caches and the connection pool; not counted
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def query_timings(url: str) -> List[Tuple[str, float]]:
    from sqlalchemy import select

    from actions.records import queries
    from actions.records.db import session_factory
    from actions.records.models import TrainingSession, Unit

    factory = session_factory(url)
    with factory() as s:
        unit_id = str(s.execute(select(Unit.id).order_by(Unit.id)).scalars().first())
        busy = s.execute(select(TrainingSession.id).order_by(TrainingSession.started_at.desc())).scalars().first()
        officer = s.execute(select(TrainingSession.officer_id).where(TrainingSession.id == busy)).scalar_one()
    today = dt.date.today()
    filtered = queries.SessionFilter(unit=unit_id, kind="gift", result="failed", red_line="1",
                                     date_from=today - dt.timedelta(days=90), date_to=today)
    cases: List[Tuple[str, Callable]] = [
        ("session list, page 1, no filter", lambda s: queries.list_sessions(s, queries.SessionFilter())),
        ("session list, page 1, unit+kind+failed+red line+90 days",
         lambda s: queries.list_sessions(s, filtered)),
        ("session list, one officer", lambda s: queries.list_sessions(s, queries.SessionFilter(officer=officer))),
        ("session list, page 100", lambda s: queries.list_sessions(s, queries.SessionFilter(), page=100)),
        ("filter form options", lambda s: queries.filter_options(s)),
        ("transcript (one session)", lambda s: queries.session_detail(s, busy)),
        ("review queue, page 1", lambda s: queries.review_queue(s)),
        ("dashboard: pass rate by scenario", lambda s: queries.pass_rate_by_scenario(s, queries.SessionFilter())),
        ("dashboard: pass rate by unit", lambda s: queries.pass_rate_by_unit(s, queries.SessionFilter())),
        ("dashboard: move misses (all turns)", lambda s: queries.move_misses(s, queries.SessionFilter())),
        ("dashboard: red-line hits (all turns)", lambda s: queries.red_line_hits(s, queries.SessionFilter())),
        ("dashboard: one officer's progress", lambda s: queries.officer_progress(s, officer)),
        ("dashboard: all charts, no filter", lambda s: queries.dashboard(s, queries.SessionFilter())),
        ("dashboard: all charts, one officer (with progress)",
         lambda s: queries.dashboard(s, queries.SessionFilter(officer=officer))),
    ]
    out = []
    for name, fn in cases:
        def once(fn=fn):
            with factory() as s:
                fn(s)
        out.append((name, median_ms(once)))
    return out


def http_timings(url: str) -> List[Tuple[str, float]]:
    """The console pages over HTTP from the real web app, signed in as a coordinator."""
    from sqlalchemy import select

    from actions.records import accounts
    from actions.records.db import session_factory
    from actions.records.models import TrainingSession, Unit
    from actions.records.uow import UnitOfWork
    from tools.stack import Ports, Stack, free_ports

    with UnitOfWork(session_factory(url)) as s:
        accounts.create_coordinator(s, "bench", "bench-password", "基准测试")
        unit_id = s.execute(select(Unit.id).order_by(Unit.id)).scalars().first()
        busy = s.execute(select(TrainingSession.id).order_by(TrainingSession.started_at.desc())).scalars().first()
        officer = s.execute(select(TrainingSession.officer_id).where(TrainingSession.id == busy)).scalar_one()
    var = Path(tempfile.mkdtemp(prefix="trainer-bench-web-"))
    [web] = free_ports(1)
    stack = Stack(ports=Ports(web=web), var=var, env={"TRAINER_DATABASE_URL": url,
                                                      "TRAINER_SECRET_KEY": uuid.uuid4().hex})
    try:
        stack.start(components=("web",), timeout=120)
        base = f"http://127.0.0.1:{web}"
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        form = opener.open(base + "/console/login", timeout=30).read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        opener.open(base + "/console/login", data=urllib.parse.urlencode(
            {"username": "bench", "password": "bench-password", "csrf_token": token, "next": "/console"}).encode(),
            timeout=30).read()
        today = dt.date.today()
        filters = urllib.parse.urlencode({"unit": unit_id, "kind": "gift", "result": "failed", "red_line": "1",
                                          "from": (today - dt.timedelta(days=90)).isoformat(), "to": today.isoformat()})
        pages = [
            ("GET /console/sessions", "/console/sessions"),
            ("GET /console/sessions (filtered)", f"/console/sessions?{filters}"),
            ("GET /console/sessions/<id> (transcript)", f"/console/sessions/{busy}"),
            ("GET /console/review", "/console/review"),
            ("GET /console/dashboard", "/console/dashboard"),
            ("GET /console/dashboard?officer=… (with progress)", f"/console/dashboard?officer={officer}"),
        ]
        out = []
        for name, path in pages:
            def once(path=path):
                with opener.open(base + path, timeout=60) as resp:
                    body = resp.read()
                    if resp.status != 200 or b"/console/logout" not in body:
                        raise RuntimeError(f"{path}: unexpected response {resp.status}")
            out.append((name, median_ms(once)))
        return out
    finally:
        stack.stop()
        shutil.rmtree(var, ignore_errors=True)


def print_table(title: str, rows: List[Tuple[str, float]]) -> None:
    width = max(len(n) for n, _ in rows)
    print(f"\n{title}")
    print(f"{'what'.ljust(width)}  median of {RUNS} (ms)")
    print(f"{'-' * width}  {'-' * 18}")
    for name, ms in rows:
        print(f"{name.ljust(width)}  {ms:10.1f}")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench_records", description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="an empty PostgreSQL database to use instead of a throwaway cluster")
    parser.add_argument("--turns", type=int, default=100_000)
    parser.add_argument("--officers", type=int, default=300)
    parser.add_argument("--units", type=int, default=20)
    parser.add_argument("--no-http", action="store_true", help="time the queries only")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # spaCy (the scorer) imports TensorFlow

    from actions.records.migrate import upgrade

    cluster = None
    url = args.url
    if not url:
        if not ThrowawayPostgres.available():
            print("initdb/pg_ctl not on PATH: give --url of an empty PostgreSQL database", file=sys.stderr)
            return 2
        cluster = ThrowawayPostgres()
        print("starting a throwaway PostgreSQL cluster …", flush=True)
        url = cluster.start()
    try:
        upgrade(url)
        t0 = time.perf_counter()
        counts = seed(url, args.turns, args.officers, args.units)
        print(f"seeded {counts['turns']:,} turns in {counts['sessions']:,} sessions of {counts['officers']} officers "
              f"in {counts['units']} units ({counts['overrides']} session overrides) "
              f"in {time.perf_counter() - t0:.1f} s")
        print_table("queries (in process, PostgreSQL)", query_timings(url))
        if not args.no_http:
            print_table("console pages over HTTP (web app, signed in; query + render + audit write)", http_timings(url))
    finally:
        if cluster is not None:
            cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
