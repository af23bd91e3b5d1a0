"""What a grading run writes: grades.csv, one feedback file per student, a class summary.

- ``grades.csv``: one row per submitted file, one column (1 or 0) per checked exercise of
  the notebooks submitted, the total, and the status;
- ``feedback/<student>.md``: for each exercise, the line its check printed (the verdict
  and its hint), and what the status means; nothing of the solutions;
- ``summary.md`` and ``pass_rates.png``: the pass rate per exercise, the most common
  hints, the submissions that need a look, and the limits the code ran under.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from . import statuses
from .course import Check

if TYPE_CHECKING:
    from .grader import Graded, Run

CHART = "pass_rates.png"
TOP_HINTS = 3


def write(run: Run, out: Path) -> None:
    """Write every report of ``run`` into ``out``."""
    checks = submitted_checks(run)
    write_csv(run, checks, out / "grades.csv")
    write_feedback(run, out / "feedback")
    if checks:
        write_chart(run, checks, out / CHART)
    (out / "summary.md").write_text(summary(run, checks), encoding="utf-8")


def submitted_checks(run: Run) -> list[Check]:
    """The checks of every notebook that was submitted, in course order."""
    names = {graded.plan.notebook.name for graded in run.graded if graded.plan.notebook}
    return [check for check in run.course.checks if check.notebook in names]


def write_csv(run: Run, checks: list[Check], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["student", "file", "notebook", *(check.column for check in checks),
                         "total", "out_of", "status"])
        for graded in run.graded:
            notebook = graded.plan.notebook
            points = dict(zip(notebook.checks, graded.points or [0] * len(notebook.checks))
                          ) if notebook else {}
            writer.writerow([graded.plan.submission.student, graded.plan.submission.name,
                             notebook.name if notebook else "",
                             *(points.get(check, "") for check in checks),
                             graded.total, len(notebook.checks) if notebook else "",
                             graded.status])


def write_feedback(run: Run, folder: Path) -> None:
    """One Markdown file per student (old ones removed first)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.md"):
        old.unlink()
    by_student: dict[str, list[Graded]] = {}
    for graded in run.graded:
        by_student.setdefault(graded.plan.submission.student, []).append(graded)
    names: set[str] = set()
    for student, rows in by_student.items():
        name = file_name(student, names)
        (folder / name).write_text(feedback(student, rows, run), encoding="utf-8")


def file_name(student: str, taken: set[str]) -> str:
    """A safe, unused file name for ``student``'s feedback."""
    stem = re.sub(r"[^\w.-]+", "_", student).strip("._") or "student"
    name, number = f"{stem}.md", 2
    while name.lower() in taken:
        name, number = f"{stem}-{number}.md", number + 1
    taken.add(name.lower())
    return name


def feedback(student: str, rows: list[Graded], run: Run) -> str:
    lines = [f"# Feedback for {student}", "",
             f"Graded on {run.started:%Y-%m-%d}. Each line below is what the exercise's check "
             "says about your answer, run on new random inputs: `✔` is right, `✘` comes with "
             "a hint. Printed output does not count; only the checks do.", ""]
    for graded in rows:
        notebook, name = graded.plan.notebook, graded.plan.submission.name
        if notebook is None or not graded.verdicts:
            lines += [f"## `{name}`: not graded", "",
                      f"{graded.status}: {'; '.join(graded.plan.notes) or explain(graded)}", ""]
            continue
        lines += [f"## {notebook.name} (`{name}`): {graded.total} of {len(notebook.checks)}", ""]
        lines += [f"- **{check.title}**: {verdict}"
                  for check, verdict in zip(notebook.checks, graded.verdicts)]
        lines += [""] + [f"Note ({status}): {statuses.MEANING[status]}."
                         for status in statuses.ORDER if status in graded.flags]
        lines += [""]
    return "\n".join(lines).rstrip() + "\n"


def explain(graded: Graded) -> str:
    return "; ".join(statuses.MEANING[s] for s in statuses.ORDER if s in graded.flags)


def pass_rates(run: Run, checks: list[Check]) -> list[tuple[Check, int, int]]:
    """For each check: how many submissions of its notebook passed it, and of how many."""
    rates = []
    for check in checks:
        rows = [graded for graded in run.graded
                if graded.plan.notebook and graded.plan.notebook.name == check.notebook]
        index = rows[0].plan.notebook.checks.index(check)
        passed = sum(graded.points[index] for graded in rows if graded.points)
        rates.append((check, passed, len(rows)))
    return rates


def write_chart(run: Run, checks: list[Check], path: Path) -> None:
    """A horizontal bar chart of the pass rate per exercise."""
    from matplotlib.figure import Figure
    rates = pass_rates(run, checks)
    figure = Figure(figsize=(8, 1 + 0.3 * len(rates)), layout="constrained")
    axes = figure.add_subplot()
    labels = [f"{check.column} · {check.title.split(' · ')[-1]}" for check, _, _ in rates]
    values = [100 * passed / total if total else 0 for _, passed, total in rates]
    bars = axes.barh(range(len(rates)), values, color="tab:green")
    axes.bar_label(bars, labels=[f"{passed}/{total}" for _, passed, total in rates], padding=3)
    axes.set_yticks(range(len(rates)), labels)
    axes.set_ylim(len(rates) - 0.5, -0.5)  # the first exercise on top
    axes.set_xlim(0, 112)
    axes.set_xlabel("submissions that pass (%)")
    axes.set_title("Pass rate per exercise")
    figure.savefig(path, dpi=100)


def summary(run: Run, checks: list[Check]) -> str:
    students = {graded.plan.submission.student for graded in run.graded}
    lines = ["# Grading summary", "",
             f"{len(run.graded)} submitted files from {len(students)} students, graded on "
             f"{run.started:%Y-%m-%d %H:%M} in {run.seconds:.0f} s. The checks drew their random "
             f"inputs from the hidden seed {run.seed} (`--seed {run.seed}` grades again with the "
             "same inputs).", "", "Files: `grades.csv` (one row per file), `feedback/` (one file "
             "per student, to hand out).", ""]
    if run.problems:
        lines += ["## Problems with the course", "", "The exercises concerned have the status "
                  "`grader error`; fix the course and grade again.", ""]
        lines += [f"- {problem}" for problem in run.problems] + [""]
    lines += _pass_rate_section(run, checks)
    lines += _hint_section(run, checks)
    lines += _look_section(run.graded)
    lines += ["## How the code ran", "",
              f"Each submission ran in processes of its own: {run.limits.exercise_seconds:g} s per "
              f"exercise, {run.limits.notebook_seconds:g} s per notebook, "
              f"{run.limits.memory_bytes / 2**30:g} GiB of memory, {run.limits.processes} "
              f"processes, {run.limits.disk_bytes / 2**20:g} MB of files.", ""]
    lines += [f"- {what}: {how}" for what, how in run.protections.items()]
    return "\n".join(lines).rstrip() + "\n"


def _pass_rate_section(run: Run, checks: list[Check]) -> list[str]:
    if not checks:
        return []
    lines = ["## Pass rate per exercise", "", f"![Pass rate per exercise]({CHART})", "",
             "| exercise | column | passed | rate |", "| --- | --- | ---: | ---: |"]
    for check, passed, total in pass_rates(run, checks):
        lines.append(f"| {check.notebook} {check.title} | `{check.column}` | {passed}/{total} | "
                     f"{100 * passed / total if total else 0:.0f}% |")
    return lines + [""]


def _hint_section(run: Run, checks: list[Check]) -> list[str]:
    lines = ["## Most common hints", ""]
    for check in checks:
        hints = Counter(verdict for graded in run.graded if graded.plan.notebook
                        and graded.plan.notebook.name == check.notebook and graded.verdicts
                        for c, verdict in zip(graded.plan.notebook.checks, graded.verdicts)
                        if c == check and verdict.startswith("✘"))
        if hints:
            lines += [f"**{check.notebook} {check.title}** ({sum(hints.values())} not passed)", ""]
            lines += [f"- {count} × {hint}" for hint, count in hints.most_common(TOP_HINTS)]
            lines += [""]
    return lines if len(lines) > 2 else []


def _look_section(rows: Iterable[Graded]) -> list[str]:
    look = [graded for graded in rows if graded.status != statuses.OK]
    lines = ["## Submissions that need a look", ""]
    if not look:
        return lines + ["None: every submission has the status `ok`.", ""]
    lines += ["| student | file | status | details |", "| --- | --- | --- | --- |"]
    for graded in look:
        details = list(graded.plan.notes) + [
            f"{check.title}: {verdict}" for check, verdict, flags in
            zip(graded.plan.notebook.checks if graded.plan.notebook else (), graded.verdicts,
                graded.exercise_flags) if flags]
        cell = "; ".join(details) or explain(graded)
        lines.append(f"| {graded.plan.submission.student} | `{graded.plan.submission.name}` | "
                     f"{graded.status} | {cell.replace('|', '/')} |")
    return lines + ["", "What each status means:", ""] + [
        f"- **{status}**: {meaning}." for status, meaning in statuses.MEANING.items()] + [""]
