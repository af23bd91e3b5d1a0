"""Grade a folder of submissions: plan each one, run it in a sandbox, write the reports."""

from __future__ import annotations

import os
import secrets
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

from ..exercises.core import SEED
from . import reports, statuses
from .course import Course
from .pool import Pool, Settings, failed
from .sandbox import Limits, choose_mode
from .submissions import GradingError, Plan, discover, plan

CHECKOUT = Path(__file__).resolve().parents[2]  # the course repository, if d2lutils is in one
DEFAULT_COURSE = CHECKOUT / "notebooks"
DEFAULT_OUT = Path("build/grades")


@dataclass(frozen=True)
class Graded:
    """One row of grades.csv: a submission, its verdicts and its status."""

    plan: Plan
    verdicts: tuple[str, ...] = ()  # one per check of its notebook
    flags: frozenset[str] = frozenset()
    exercise_flags: tuple[frozenset[str], ...] = ()  # what happened in each exercise

    @property
    def points(self) -> tuple[int, ...]:
        return tuple(int(verdict.startswith("✔")) for verdict in self.verdicts)

    @property
    def total(self) -> int:
        return sum(self.points)

    @property
    def status(self) -> str:
        return statuses.combined(self.flags)


@dataclass
class Run:
    """A grading run: every row, and what the summary says about how it was graded."""

    course: Course
    graded: list[Graded]
    seed: int
    limits: Limits
    protections: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # the course's, e.g. a missing checker
    started: datetime = field(default_factory=datetime.now)
    seconds: float = 0.0


def grade(submissions: Path, out: Path = DEFAULT_OUT, course: Path = DEFAULT_COURSE,
          jobs: int | None = None, limits: Limits = Limits(), seed: int | None = None,
          progress: IO[str] | None = sys.stderr) -> Run:
    """Grade every file under ``submissions`` and write the reports into ``out``.

    ``jobs`` submissions are graded at a time (default: one per core, at most 8), each
    under ``limits``; ``seed`` is the checks' hidden seed (default: a new random one)."""
    started = time.monotonic()
    the_course = Course.read(course)
    plans = [plan(submission, the_course) for submission in discover(submissions)]
    if not plans:
        raise GradingError(f"{submissions} holds no files to grade")
    out.mkdir(parents=True, exist_ok=True)
    run = Run(course=the_course, graded=[Graded(p, flags=p.flags) for p in plans],
              seed=_hidden_seed() if seed is None else seed, limits=limits)
    todo = [index for index, p in enumerate(plans) if _runnable(p)]
    if todo:
        with open(out / "grader.log", "w", encoding="utf-8") as log:
            settings = Settings(
                mode=choose_mode(), limits=limits, seed=run.seed, log=log,
                warm=sorted({name for index in todo for name in plans[index].notebook.imports}),
                checkers=sorted({check.checker for index in todo
                                 for check in plans[index].notebook.checks}),
                hidden=_hidden(course, submissions, out),
                extra_env={"MPLCONFIGDIR": os.environ.get("MPLCONFIGDIR", "/nonexistent")})
            _run_in_sandboxes(run, todo, Pool(jobs or default_jobs(), settings), progress)
    run.seconds = time.monotonic() - started
    reports.write(run, out)
    return run


def _run_in_sandboxes(run: Run, todo: list[int], pool: Pool, progress: IO[str] | None) -> None:
    """Grade the plans ``todo`` (indices into ``run.graded``) and record their results."""
    work = [job(run.graded[index].plan) for index in todo]
    bar = Progress(len(todo), progress)
    with pool:
        run.protections, run.problems = pool.protections, pool.problems
        for problem in run.problems:
            print(f"warning: {problem}", file=sys.stderr)
        pool.run(work, lambda number, result: (_record(run, todo[number], result), bar.step()))
    bar.finish()
    for number, index in enumerate(todo):  # every sandbox died: still one row each
        if not run.graded[index].verdicts:
            _record(run, index, failed(work[number], "no sandbox left", pool.settings.log))


def job(p: Plan) -> dict:
    """What the sandbox needs to grade ``p``: the course's set-up and checks, the answers."""
    assert p.notebook is not None
    return {"setup": p.notebook.setup,
            "exercises": [{"checker": check.checker, "args": list(check.args),
                           "kwargs": [list(pair) for pair in check.kwargs],
                           "answers": list(answers)}
                          for check, answers in zip(p.notebook.checks, p.answers)]}


def default_jobs() -> int:
    """Submissions graded at a time: one per core, at most 8."""
    return max(1, min(os.cpu_count() or 1, 8))


def _runnable(p: Plan) -> bool:
    return bool(p.notebook and p.notebook.checks and statuses.OTHER_VERSION not in p.flags)


def _record(run: Run, index: int, result: dict) -> None:
    before = run.graded[index]
    exercises = result["exercises"]
    flags = before.flags.union(*(exercise["flags"] for exercise in exercises))
    run.graded[index] = Graded(before.plan, tuple(e["verdict"] for e in exercises), flags,
                               tuple(frozenset(e["flags"]) for e in exercises))


def _hidden(course: Path, submissions: Path, out: Path) -> list[str]:
    """The folders a submission must not see: the course (its solutions), the
    submissions, the grades, the course repository and the instructor's home."""
    folders = [course, submissions, out, Path.home()]
    if (CHECKOUT / "pyproject.toml").exists():
        folders.append(CHECKOUT)
    return sorted({str(folder.resolve()) for folder in folders})


def _hidden_seed() -> int:
    """A seed for the checks' random inputs that no student has seen."""
    while (seed := secrets.randbelow(2**31)) == SEED:
        pass
    return seed


class Progress:
    """A progress bar on ``stream``: redrawn in place on a terminal, a line per 10% else."""

    def __init__(self, total: int, stream: IO[str] | None) -> None:
        self.total, self.stream, self.done = total, stream, 0
        self.started = time.monotonic()
        self.live = bool(stream and stream.isatty())

    def step(self) -> None:
        self.done += 1
        if self.stream and (self.live or self.done * 10 // self.total
                            != (self.done - 1) * 10 // self.total):
            self.draw()

    def draw(self) -> None:
        filled = 30 * self.done // self.total
        elapsed = time.monotonic() - self.started
        line = (f"grading [{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total} "
                f"submissions, {elapsed:.0f} s")
        assert self.stream is not None
        self.stream.write(f"\r{line}" if self.live else f"{line}\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.stream and self.live:
            self.stream.write("\n")
