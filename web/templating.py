"""Jinja set-up: filters and globals shared by every template."""

from __future__ import annotations


from litestar.plugins.jinja import JinjaTemplateEngine

from events import labels
from web.render import zh_date, zh_datetime


def configure_jinja(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    env.autoescape = True
    env.trim_blocks = True
    env.lstrip_blocks = True
    # Templates ship with the code and change only with a new release (a restart): no page
    # render stats each of its template files to see whether it changed on disk.
    env.auto_reload = False
    env.filters["zh_date"] = zh_date
    env.filters["zh_datetime"] = zh_datetime
    env.filters["gender"] = labels.gender
    env.globals.update(
        DIVISION=labels.DIVISION,
        KIND=labels.KIND,
        SPORT=labels.SPORT,
        FORMAT=labels.FORMAT,
        VENUE_KIND=labels.VENUE_KIND,
        ROLE=labels.ROLE,
        BEST_OF=labels.BEST_OF,
        MEASURE=labels.MEASURE,
        TIMING=labels.TIMING,
        label=labels.label,
    )


