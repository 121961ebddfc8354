"""The ``zhijia`` command: ``zhijia serve [--demo]`` and ``zhijia db upgrade``."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from events.db import Database, database_url_from_env
from events.migrate import upgrade


def _database_url(args: argparse.Namespace) -> str:
    if getattr(args, "db", None):
        os.environ["ZHIJIA_SQLITE_PATH"] = args.db
    url = database_url_from_env()
    os.environ["ZHIJIA_DATABASE_URL"] = url  # workers read the same database
    return url


def _print_demo_accounts() -> None:
    from events.demo import DEMO_PASSWORD, demo_accounts
    from events.labels import ROLE
    from events.models import Role

    print("演示账号(密码均为 %s):" % DEMO_PASSWORD)
    for account in demo_accounts():
        team = f"  {account.team}" if account.team else ""
        print(f"  {ROLE[Role(account.role)]:<4} {account.username:<10} {account.display_name}{team}")


async def _load_demo(url: str, *, field: bool = True, drawn: bool = False) -> None:
    from events.demo import load_demo
    from events.demo_field import enter_demo_field
    from events.demo_timetable import prepare_demo_timetable

    db = Database(url)
    try:
        meet, created = await load_demo(db)
        print(f"演示运动会「{meet.name}」{'已载入' if created else '已存在'}")
        # Only with a newly made demo: a database that already holds the meet keeps what it has.
        entered = await enter_demo_field(db, meet.id) if created and field else 0
        if entered:
            print(f"已为田径和趣味项目报名 {entered} 人次(球类、棋牌留给各队领队报名)")
        if created and drawn:
            await prepare_demo_timetable(db, meet.id)
            print("已为球类、棋牌项目报名,并为全部项目抽签、编排分组,可直接生成赛程")
    finally:
        await db.dispose()


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    url = _database_url(args)
    upgrade(url)
    if args.demo:
        asyncio.run(_load_demo(url, field=args.demo_field, drawn=args.demo_drawn))
        _print_demo_accounts()
    print(f"zhijia 正在运行: http://{args.host}:{args.port}  (数据库: {url.split('://')[0]})", flush=True)
    uvicorn.run(
        "web.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        access_log=args.access_log,
    )
    return 0


def db_upgrade(args: argparse.Namespace) -> int:
    url = _database_url(args)
    upgrade(url)
    print("数据库已升级到最新版本")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="zhijia", description="职工之家 — 职工运动会与工会活动管理")
    commands = parser.add_subparsers(dest="command", required=True)

    serve_cmd = commands.add_parser("serve", help="运行网站")
    serve_cmd.add_argument("--demo", action="store_true", help="载入演示运动会和演示账号")
    serve_cmd.add_argument(
        "--demo-field", action=argparse.BooleanOptionalAction, default=True,
        help="与 --demo 同用:为各队报好田径和趣味项目,可直接编排分组(--no-demo-field 则报名表全空)",
    )
    serve_cmd.add_argument(
        "--demo-drawn", action="store_true",
        help="与 --demo 同用:全部项目报好名并抽签、编排分组,可直接生成赛程",
    )
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=int, default=8000)
    serve_cmd.add_argument("--workers", type=int, default=1)
    serve_cmd.add_argument("--db", help="SQLite 数据库文件(默认 zhijia.sqlite3;设置 ZHIJIA_DATABASE_URL 可用 PostgreSQL)")
    serve_cmd.add_argument("--log-level", default="warning")
    serve_cmd.add_argument("--access-log", action="store_true")
    serve_cmd.set_defaults(func=serve)

    db_cmd = commands.add_parser("db", help="数据库")
    db_sub = db_cmd.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="执行数据库迁移")
    up.add_argument("--db")
    up.set_defaults(func=db_upgrade)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
