"""The grader's side of the sandboxes: start them, hand them jobs, collect the results.

One sandbox process (zygote.py) per parallel slot, each started once with an
environment of its own (none of the instructor's variables) and warmed up; the slots take
jobs from a shared queue. A sandbox that dies is replaced, and the job it held gets the
status ``grader error``: one submission never stops the batch.
"""

from __future__ import annotations

import json
import queue
import select
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from . import sandbox, statuses
from .sandbox import Limits

PATH = "/usr/local/bin:/usr/bin:/bin"
STARTUP_SECONDS = 120  # importing torch on a busy machine, with margin


class SandboxError(Exception):
    """A sandbox process could not start; the message says why and where the log is."""


@dataclass
class Settings:
    """What every sandbox process is told when it starts."""

    mode: str
    limits: Limits
    seed: int
    warm: list[str]  # modules to import up front
    checkers: list[str]  # every checker the jobs call, e.g. "dropout.check_mc_predict"
    hidden: list[str]  # folders the submissions must not see
    log: IO[str]
    extra_env: dict[str, str] = field(default_factory=dict)

    def message(self, slot: int) -> dict:
        return {"mode": self.mode, "limits": self.limits.as_dict(), "seed": self.seed,
                "warm": self.warm, "checkers": self.checkers, "hidden": self.hidden,
                "watched": self.hidden, "uid": sandbox.FIRST_UID + slot}


class Slot:
    """One sandbox process, serving one job at a time."""

    def __init__(self, number: int, settings: Settings) -> None:
        self.number, self.settings = number, settings
        self.process: subprocess.Popen | None = None
        self.ready: dict = {}

    def start(self) -> None:
        import d2lutils
        env = {"PATH": PATH, "LANG": "C.UTF-8", "HOME": "/nonexistent", "PYTHONHASHSEED": "0",
               "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": "",
               "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1",
               "PYTHONPATH": str(Path(d2lutils.__file__).resolve().parents[1]),
               **self.settings.extra_env}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "d2lutils.grading.zygote"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self.settings.log, env=env, cwd="/",
            start_new_session=True)
        self._send(json.dumps(self.settings.message(self.number)) + "\n")

    def wait_ready(self) -> dict:
        line = self._receive(timeout=STARTUP_SECONDS)
        if not line:
            self.stop()
            raise SandboxError(f"the sandbox process did not start (see {self.settings.log.name})")
        self.ready = json.loads(line)
        return self.ready

    def restart(self) -> None:
        self.stop()
        self.start()
        self.wait_ready()

    def run(self, job: bytes) -> dict | None:
        """The result of ``job``; None if the sandbox died or overran the notebook's limit
        by far (it is then stopped)."""
        try:
            self._send(f"job {len(job)}\n".encode() + job)
            line = self._receive(timeout=self.settings.limits.notebook_seconds + STARTUP_SECONDS)
            return json.loads(line) if line else None
        except (OSError, ValueError):
            return None

    def stop(self) -> None:
        """End the sandbox process: it holds nothing worth waiting for."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process:
            self.process.stdin.close()
            self.process.stdout.close()

    def _send(self, data: str | bytes) -> None:
        assert self.process and self.process.stdin
        self.process.stdin.write(data.encode() if isinstance(data, str) else data)
        self.process.stdin.flush()

    def _receive(self, timeout: float) -> bytes:
        """The next line from the sandbox; b"" if none comes within ``timeout`` seconds."""
        assert self.process and self.process.stdout
        if not select.select([self.process.stdout], [], [], timeout)[0]:
            return b""
        return self.process.stdout.readline()


class Pool:
    """``size`` sandbox processes that grade jobs in parallel."""

    def __init__(self, size: int, settings: Settings) -> None:
        self.settings = settings
        self.slots = [Slot(number, settings) for number in range(size)]

    def __enter__(self) -> Pool:
        for slot in self.slots:  # they warm up in parallel
            slot.start()
        try:
            for slot in self.slots:
                slot.wait_ready()
        except SandboxError:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def protections(self) -> dict[str, str]:
        """What the sandbox enforces, in words (sandbox.protections)."""
        return self.slots[0].ready.get("protections", {})

    @property
    def problems(self) -> list[str]:
        """What the sandbox could not prepare, e.g. a checker missing from d2lutils."""
        return self.slots[0].ready.get("problems", [])

    def close(self) -> None:
        for slot in self.slots:
            slot.stop()

    def run(self, jobs: list[dict], done: Callable[[int, dict], None]) -> None:
        """Run every job; call ``done(index, result)`` as each one ends (from a thread)."""
        waiting: queue.Queue[tuple[int, dict]] = queue.Queue()
        for item in enumerate(jobs):
            waiting.put(item)
        lock = threading.Lock()

        def serve(slot: Slot) -> None:
            while True:
                try:
                    index, job = waiting.get_nowait()
                except queue.Empty:
                    return
                result = slot.run(json.dumps(job).encode())
                alive = True
                if result is None or "error" in result:
                    result = failed(job, (result or {}).get("error", "its sandbox died"),
                                    self.settings.log)
                    try:
                        slot.restart()
                    except SandboxError:
                        alive = False  # the other slots take the remaining jobs
                with lock:
                    done(index, result)
                if not alive:
                    return

        threads = [threading.Thread(target=serve, args=(slot,), daemon=True) for slot in self.slots]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def failed(job: dict, why: str, log: IO[str]) -> dict:
    """The result of a job the grader could not run: every exercise a grader error."""
    log.write(f"grader error: {why}\n")
    log.flush()
    return {"exercises": [{"verdict": f"✘ not graded: the grader failed ({why}); see {log.name}",
                           "flags": [statuses.GRADER_ERROR]}] * len(job["exercises"]),
            "seconds": 0.0}
