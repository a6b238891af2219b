"""Accounts and retention for the training records.

    python -m tools.manage create-coordinator USER --name NAME      # password from stdin or a prompt
    python -m tools.manage create-officer ID --name NAME --unit UNIT [--password] [--pseudonymous]
    python -m tools.manage retention --days N [--anonymise | --delete] [--dry-run] [--tracker-url URL]

Passwords are never taken on the command line (they would show in ``ps`` and the
shell history): piped on stdin (first line) or typed at a prompt, twice. Every
command brings the records schema up to date first. ``--url`` (or
TRAINER_DATABASE_URL) picks the database.
"""
from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import List, Optional

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TRACKER = ROOT / "var" / "rasa_tracker.db"


def read_password(prompt: str = "密码：") -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(prompt)
    if getpass.getpass("再输入一次：") != first:
        raise SystemExit("两次输入的密码不一致。")
    return first


def _uow(url: Optional[str]):
    from actions.records.db import database_url, session_factory
    from actions.records.migrate import upgrade
    from actions.records.uow import UnitOfWork

    url = url or database_url()
    upgrade(url)
    return UnitOfWork(session_factory(url))


def cmd_create_coordinator(args) -> int:
    from actions.records import accounts, repository as repo

    password = read_password()
    try:
        with _uow(args.url) as s:
            row = accounts.create_coordinator(s, args.user, password, args.name)
            repo.audit(s, "system", "account", f"coordinator:{row.username}", {"by": "tools.manage"})
    except accounts.AccountError as exc:
        print(f"未创建：{exc}", file=sys.stderr)
        return 2
    print(f"培训管理员 {args.user}（{args.name}）已就绪：登录 /console/login")
    return 0


def cmd_create_officer(args) -> int:
    from actions.records import accounts, repository as repo

    password = read_password() if args.password else None
    try:
        with _uow(args.url) as s:
            row = accounts.create_officer(s, args.id, args.name, args.unit, password=password,
                                          pseudonymous=args.pseudonymous)
            repo.audit(s, "system", "account", f"officer:{row.id}", {"by": "tools.manage", "sign_in": bool(password)})
    except accounts.AccountError as exc:
        print(f"未创建：{exc}", file=sys.stderr)
        return 2
    where = "，可登录 /me/login 查看本人记录" if password else ""
    print(f"学员 {args.id}（{args.name}，{args.unit or '未分配单位'}）已就绪{where}")
    return 0


def cmd_retention(args) -> int:
    from sqlalchemy import func, select

    from actions.records.models import TrainingSession
    from actions.records.retention import apply_retention, cutoff_for, purge_tracker_events

    mode = "delete" if args.delete else "anonymise"
    with _uow(args.url) as s:
        if args.dry_run:
            cutoff = cutoff_for(args.days)
            cond = [TrainingSession.started_at < cutoff]
            if mode == "anonymise":
                cond.append(TrainingSession.anonymised_at.is_(None))
            n = s.execute(select(func.count(TrainingSession.id)).where(*cond)).scalar_one()
            print(f"（试运行）将{'删除' if mode == 'delete' else '匿名化'} {n} 条训练记录，截止 {cutoff:%Y-%m-%d %H:%M} UTC。")
            return 0
        report = apply_retention(s, args.days, mode, actor="system:tools.manage")
    print(report.summary())
    tracker = args.tracker_url or (f"sqlite:///{DEFAULT_TRACKER}" if DEFAULT_TRACKER.exists() else None)
    if tracker and not args.keep_tracker:
        gone = purge_tracker_events(tracker, args.days)
        print(f"Rasa 对话存储中删除了 {gone} 条早于截止时间的事件。")
    return 0


def cmd_issue_link(args) -> int:
    """A practice link for an officer (or a fresh pseudonym): the page signs in with it."""
    import secrets

    from server import identity

    officer_id = args.id or f"anon-{secrets.token_hex(4)}"
    officer = identity.Officer(officer_id, args.name or officer_id, args.unit, pseudonymous=args.id is None)
    invite = identity.issue(officer, ttl=int(args.hours * 3600), audience=identity.INVITE_AUDIENCE)
    print(f"{args.base_url.rstrip('/')}/?invite={invite}")
    print(f"（{officer.name}，{args.hours:g} 小时内有效；链接即凭证，请只发给本人。）", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tools.manage", description="训练记录：账号与保留期限")
    parser.add_argument("--url", help="records database URL (default: TRAINER_DATABASE_URL or var/trainer.db)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("create-coordinator", help="create a coordinator (or reset their password)")
    p.add_argument("user")
    p.add_argument("--name", required=True, help="display name")
    p.set_defaults(run=cmd_create_coordinator)

    p = sub.add_parser("create-officer", help="create or update an officer")
    p.add_argument("id", help="officer id (the id the chat channels send)")
    p.add_argument("--name", required=True, help="display name, or a pseudonym")
    p.add_argument("--unit", help="unit name (created if new)")
    p.add_argument("--password", action="store_true", help="let the officer sign in to /me (password from stdin or a prompt)")
    p.add_argument("--pseudonymous", action="store_true", help="the name is a pseudonym (left out of xAPI exports)")
    p.set_defaults(run=cmd_create_officer)

    p = sub.add_parser("issue-link", help="print a practice link that signs an officer in (no id: a pseudonym)")
    p.add_argument("id", nargs="?", help="officer id; leave out for pseudonymous practice")
    p.add_argument("--name", help="display name")
    p.add_argument("--unit", help="unit name")
    p.add_argument("--hours", type=float, default=72, help="how long the link works (default 72)")
    p.add_argument("--base-url", default="http://127.0.0.1:8000", help="the practice page's address")
    p.set_defaults(run=cmd_issue_link)

    p = sub.add_parser("retention", help="anonymise or delete sessions older than N days")
    p.add_argument("--days", type=int, required=True)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--anonymise", action="store_true", help="keep scores, remove text and officer link (default)")
    mode.add_argument("--delete", action="store_true", help="delete the sessions with their turns and annotations")
    p.add_argument("--dry-run", action="store_true", help="only count")
    p.add_argument("--tracker-url", help="Rasa tracker store to purge too (default: var/rasa_tracker.db if present)")
    p.add_argument("--keep-tracker", action="store_true", help="leave Rasa's tracker store alone")
    p.set_defaults(run=cmd_retention)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "days", 0) is not None and getattr(args, "days", 0) < 0:
        print("--days 不能为负数。", file=sys.stderr)
        return 2
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
