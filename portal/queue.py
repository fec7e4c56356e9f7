"""The background queue: one Huey instance per app, chosen from its configuration in create_app().

Huey's usual shape, `huey = SqliteHuey(...)` at module level and `@huey.task()` on each function, would open the
queue's storage (creating files) and freeze HUEY_URL when a module is imported, before create_app() has read the
configuration. So the instance is made here, from app.config, and domains keep their task bodies as plain
functions that create_app() registers on it (`init_app(app, tasks=[...])`). Code enqueues with `enqueue(task,
*args)`, which finds the current app's instance; the worker process builds the app once in worker.py and hands
that same instance to `huey_consumer worker.huey`.

Every task runs as it does in the worker: in an app context of its own, outside any request, so with a session
of its own and no tenant scope until the task sets one. Immediate mode (tests) keeps to that, although it runs
the task at once inside the request that enqueued it."""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey

from portal.database import writing

QUEUE_NAME = "qudao"


def create_huey(config: Mapping[str, Any]) -> Huey:
    """Immediate (in memory) for tests, Redis for redis://…, else a SQLite file (sqlite:///path, or huey.db in
    the instance folder)."""
    url = config["HUEY_URL"]
    if config["HUEY_IMMEDIATE"] or url == "memory://":
        return MemoryHuey(QUEUE_NAME, immediate=True)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(QUEUE_NAME, url=url)
    if url and not url.startswith("sqlite:///"):
        raise RuntimeError(f"HUEY_URL must be redis://…, sqlite:///path or memory://, not {url!r}")
    filename = Path(url.removeprefix("sqlite:///")) if url else Path(config["INSTANCE_DIR"]) / "huey.db"
    filename.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(QUEUE_NAME, filename=str(filename))


def init_app(app: Flask, tasks: Iterable[Callable[..., Any]]) -> Huey:
    """Give the app its queue and register each task body on it."""
    huey = create_huey(app.config)
    app.extensions["huey"] = huey
    app.extensions["huey.tasks"] = {
        task: huey.task(
            name=f"{task.__module__}.{task.__name__}",
            retries=getattr(task, "retries", 0),  # a task that may fail for a while says how often to try again
            retry_delay=getattr(task, "retry_delay", 0),
        )(_as_worker(app, task))
        for task in tasks
    }
    return huey


def huey_of(app: Flask) -> Huey:
    return app.extensions["huey"]


def current_huey() -> Huey:
    return current_app.extensions["huey"]


def enqueue(task: Callable[..., Any], *args: Any) -> None:
    """Queue `task(*args)` for the worker (immediate mode: run it now). Commit what it reads first."""
    current_app.extensions["huey.tasks"][task](*args)


def _as_worker(app: Flask, task: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(task)
    def run(*args: Any, **kwargs: Any) -> Any:
        def in_app_context() -> Any:
            with app.app_context(), writing():
                return task(*args, **kwargs)

        # An empty context: no request, so no request session, `g` or tenant scope leaks in (immediate mode).
        return contextvars.Context().run(in_app_context)

    return run
