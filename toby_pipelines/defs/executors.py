"""Where the learning job's steps run, picked by TOBY_EXECUTOR: Dagster's default executor
(one process per run, steps in subprocesses) or `celery`, which sends each step to Celery
workers listening on a broker (RabbitMQ by default, TOBY_CELERY_BROKER; results over
TOBY_CELERY_BACKEND, rpc:// by default). Workers start with `make celery-worker`."""

from __future__ import annotations

import os

import dagster as dg

EXECUTORS = ("default", "celery")
DEFAULT_BROKER = "pyamqp://guest@127.0.0.1:5672//"
DEFAULT_BACKEND = "rpc://"


def _url(variable: str, default: str) -> str | dict:
    # A broker URL may carry a password: Dagster gets the variable's name, never its value.
    return {"env": variable} if os.environ.get(variable) else default


def learning_executor() -> dg.ExecutorDefinition | None:
    choice = os.environ.get("TOBY_EXECUTOR", "default").strip().lower() or "default"
    if choice not in EXECUTORS:
        raise ValueError(f"TOBY_EXECUTOR must be one of {EXECUTORS}, got {choice!r}")
    if choice == "default":
        return None
    from dagster_celery import celery_executor

    return celery_executor.configured(
        {
            "broker": _url("TOBY_CELERY_BROKER", DEFAULT_BROKER),
            "backend": _url("TOBY_CELERY_BACKEND", DEFAULT_BACKEND),
        },
        name="toby_celery_executor",
    )
