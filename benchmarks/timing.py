"""Timing helpers shared by the benchmarks (``python benchmarks/bench_*.py`` puts this folder on
the import path)."""
from __future__ import annotations

import signal
import statistics
import time


class OverBudget(Exception):
    """Raised by :func:`budgeted` when the call ran out of time."""


def budgeted(call, seconds: float):
    """Run ``call``; OverBudget when it takes longer than ``seconds`` (pure-Python work only: the
    alarm is delivered between bytecodes)."""
    def alarm(_signum, _frame):
        raise OverBudget()

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return call()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def median_time(call, runs: int) -> tuple[float, object]:
    """Median wall time of ``runs`` calls, and the last call's result."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result
