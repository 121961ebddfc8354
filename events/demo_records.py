"""The demo's records archive: the standing records of 第三届–第五届职工运动会, imported the way an
organiser would — a workbook built in memory, read by the records import (events.record_import),
all or nothing. The workbook looks like a real one: a merged title row, a header with a
full-width slash and stray spaces, dates as text, as Excel dates and as serial numbers.

Marks are what staff of a company run, not athletes: men's 100 m near 12.8 s, women's near
15.6 s, men's 1500 m near 5:05, 踢毽 near 80 kicks.
"""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.utils.datetime import to_excel

from events import record_import
from events.actors import Actor
from events.db import Database
from events.meets import today

# code, name, mark, holder, team, edition (3, 4 or 5), note
HISTORY = [
    ("ATH-100M-M", "男子100米", "12.95", "王志强", "一车间", 3, ""),
    ("ATH-100M-M", "男子100米", "12.81", "刘洋", "机修车间", 4, ""),
    ("ATH-100M-M", "男子100米", "12.81", "陈浩", "二车间", 5, "平纪录"),
    ("ATH-100M-W", "女子100米", "15.92", "张丽", "质检部", 3, ""),
    ("ATH-100M-W", "女子100米", "15.63", "李娜", "综合管理部", 4, ""),
    ("ATH-1500M-M", "男子1500米", "5:12.40", "赵军", "三车间", 3, ""),
    ("ATH-1500M-M", "男子1500米", "5分05秒36", "孙鹏", "生产技术部", 5, ""),
    ("ATH-1500M-W", "女子1500米", "6:48.50", "周婷", "财务部", 4, ""),
    ("RELAY-4X100-M", "男子4×100米接力", "52.85", "一车间", "一车间", 3, "王志强、李明、张伟、赵磊"),
    ("RELAY-4X100-M", "男子4×100米接力", "51.90", "机修车间", "机修车间", 5, "刘洋、马超、黄涛、郭斌"),
    ("RELAY-4X50-W", "女子4×50米接力", "33.60", "质检部", "质检部", 4, "张丽、杨静、何敏、林燕"),
    ("FUN-DQB-W", "搭桥板(女)", "28.40", "吴倩", "二车间", 4, ""),
    ("FUN-HLQ-W", "呼啦圈竞走(女)", "45.20", "郑雪", "生产技术部", 3, ""),
    ("FUN-DSJ-M", "袋鼠跳(男)", "18.75", "徐凯", "三车间", 4, ""),
    ("FUN-TJ-M", "踢毽(男)", "64", "罗明", "财务部", 3, ""),
    ("FUN-TJ-M", "踢毽(男)", "72", "罗明", "财务部", 4, ""),
    ("FUN-TJ-M", "踢毽(男)", "78", "谢宇", "一车间", 5, ""),
    ("FUN-5RZ-M", "男子5人竞足", "21.30", "机修车间", "机修车间", 5, ""),
    ("FUN-5RZ-W", "女子5人竞足", "25.80", "综合管理部", "综合管理部", 5, ""),
    ("FUN-QXXL", "齐心协力(8人)", "32.50", "二车间", "二车间", 4, ""),
]
EDITION_NAMES = {3: "第三届职工运动会", 4: "第四届职工运动会", 5: "第五届职工运动会"}


def meet_day(edition: int, on: dt.date) -> dt.date:
    """The meets of earlier years: a Saturday in mid-November, 6 − edition years before ``on``."""
    day = dt.date(on.year - (6 - edition), 11, 15)
    day += dt.timedelta(days=(5 - day.weekday()) % 7)
    return min(day, today() - dt.timedelta(days=1))


def history_workbook(on: dt.date) -> bytes:
    workbook = Workbook()
    ws = workbook.active
    ws.title = "历届纪录"
    ws.append(["公司职工运动会 大会纪录(第三届—第五届)"])
    ws.merge_cells("A1:H1")
    ws.append(["项目代码", "项目名称", " 成绩 ", "纪录保持者", "代表队／单位", "运动会", "创造日期", "备注"])
    for index, (code, name, mark, holder, team, edition, note) in enumerate(HISTORY):
        day = meet_day(edition, on)
        # Dates the way real sheets hold them: an Excel date, text, or a bare serial number.
        date_cell: object = (day, f"{day.year}年{day.month}月{day.day}日", to_excel(day))[index % 3]
        ws.append([code, name, mark, holder, team, EDITION_NAMES[edition], date_cell, note or None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def load_demo_records(db: Database, actor: Actor, on: dt.date) -> int:
    """Import the demo history; returns how many records were saved."""
    preview = await record_import.commit_import(db, actor, history_workbook(on))
    if not preview.committed:
        raise RuntimeError("demo records refused: " + "; ".join(p.text for p in preview.problems))
    return len(preview.rows)
