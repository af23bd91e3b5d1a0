"""`make grade`: a class is graded offline, by the checks, and hostile code costs only itself.

One class is built from the student edition (tests/grading_class.py) and graded once,
into build/grade-test/ (try `make grade SUBMISSIONS=build/grade-test/submissions`). For
every course notebook, one student hands in every published solution, one the stubs as
they are, one a realistic wrong answer to each exercise (from tests/exercises/). In
notebook 07, one student per attack puts it in the first exercise's answer cell, above
the published solution, with the published solutions everywhere else: so each attack
that the sandbox fails to stop *earns* the point, and fails its test. Every attack is
bounded by itself (at most 100 forks, a loop that ends after 20 s, an allocation that
touches no memory, a socket to 127.0.0.1 only), so that a broken limit fails a test,
not the machine. Expected totals come from the notebooks, never from numbers here.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
import torch

from d2lutils.exercises import core
from d2lutils.grading import statuses
from d2lutils.grading.grader import Run, grade
from d2lutils.grading.runner import Watch
from d2lutils.grading.sandbox import Limits, choose_mode
from exercise_cells import NOTEBOOKS, Session, notebook_path
from grading_class import cell_index, checked, edition, filled, save, solutions, wrong_answers

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "grade-test"
IDS = [path.stem for path in NOTEBOOKS]
ATTACKED = "07-dropout"
HIDDEN_SEED = 4321
SECRET = "D2L_GRADE_TEST_SECRET"
SHARED_CANARY = Path("/run/lock" if Path("/run/lock").is_dir() else "/var/tmp",
                     f"d2l-grade-test-{os.getpid()}")  # world-writable: only read-only stops it
# Generous for a machine whose two cores also run the rest of `make test` (two workers).
LIMITS = Limits(exercise_seconds=8, notebook_seconds=18, memory_bytes=2**30, processes=16)
MODE = choose_mode()  # "root" on CI; see d2lutils/grading/sandbox.py

pytestmark = pytest.mark.skipif(
    MODE == "basic", reason="no namespaces here (not Linux, or no user namespaces): the "
                            "sandbox enforces only resource limits, see README, Grading a class")

# Each attack goes above the published solution of the attacked notebook's first exercise.
ATTACKS = {
    "fork-bomb": ("""
import os, time
for _ in range(100):  # bounded: the process limit (16) must stop it long before
    if os.fork() == 0:
        time.sleep(30)
        os._exit(0)
""", statuses.PROCESSES),
    "memory-hog": ("""
import torch
hog = torch.empty(4 * 2**30, dtype=torch.uint8)  # 4 GiB never touched: only a limit refuses
""", statuses.MEMORY),
    "endless-loop": ("""
import time
end = time.monotonic() + 20  # endless for the grader (8 s per exercise), yet it ends
while time.monotonic() < end:
    pass
""", statuses.TIMEOUT),
    "sys-exit": ("import sys\nsys.exit(3)\n", statuses.CRASHED),
    "os-exit": ("import os\nos._exit(0)\n", statuses.CRASHED),
    "segfault": ("import ctypes\nctypes.string_at(0)\n", statuses.CRASHED),
    "writes-outside": ("""
refused = []
for target in [{canary!r}, {grades!r}, {shared!r}]:  # the last one is world-writable
    try:
        with open(target, "a") as file:
            file.write("overwritten by a submission")
    except OSError as err:
        refused.append(err)
if refused:
    raise refused[0]
""", statuses.FILES),
    "steals-solutions": ("""
import json
stolen = None
for path, cell_id in [({course!r}, {solution!r}), ({peer!r}, {stub!r})]:
    try:
        cells = json.load(open(path))["cells"]
    except OSError:
        continue
    source = "".join(next(cell["source"] for cell in cells if cell.get("id") == cell_id))
    stolen = source.split("```python")[-1].split("```")[0]  # a solution block, or the code
exec(stolen)
""", statuses.FILES),
    "network": ("""
import socket
connection = socket.socket()
connection.settimeout(2)
connection.connect((b"127.0.0.1", {port}))  # an address in bytes: no name lookup at all
connection.sendall(b"my answers")
""", statuses.NETWORK),
}

PROBE = """
import os, resource, tempfile
assert os.geteuid() != 0, "the submission runs as root"
assert {secret!r} not in os.environ, "the submission sees the instructor's environment"
for path in [{course!r}, {submissions!r}, {out!r}]:
    assert not os.path.exists(path), f"the submission sees {{path}}"
assert tempfile.gettempdir() == os.getcwd(), "its temporary folder is not its own folder"
assert 0 <= resource.getrlimit(resource.RLIMIT_NPROC)[0] <= {processes}, "no process limit"
with open("scratch.txt", "w") as file:  # its own folder is writable
    file.write("mine")
"""

FINGERPRINT = """
import hashlib
def _fingerprint(args):
    return hashlib.sha256(repr([a.tolist() if hasattr(a, "tolist") else a
                                for a in args]).encode()).hexdigest()
"""
RECORDER = FINGERPRINT + """
_seen, _real = set(), {name}
def {name}(*args):
    _seen.add(_fingerprint(args))
    return _real(*args)
"""
HARD_CODED = FINGERPRINT + """
_public, _real = {seen!r}, {name}
def {name}(*args):  # right on the inputs the public seed draws, and only there
    return _real(*args) if _fingerprint(args) in _public else None
"""


@dataclass
class Graded:
    """The graded class: the run, its CSV rows by student, and what the attacks touched."""

    run: Run
    rows: dict[str, dict[str, str]]
    out: Path
    canary: Path
    listener: socket.socket
    progress: str
    expected_wrong: dict[str, list[str]]  # by notebook: each exercise's verdict, in-process

    def feedback(self, student: str) -> str:
        return (self.out / "feedback" / f"{student}.md").read_text(encoding="utf-8")

    def points(self, student: str, notebook: str) -> list[int]:
        return [int(self.rows[student][ex_column(notebook, ex.number)]) for ex in checked(notebook)]


def ex_column(notebook: str, number: int) -> str:
    return f"{notebook} ex{number}"


def public_only(name: str) -> str:
    """An answer to the first exercise of ``name`` that is right on the inputs its check
    draws from the public seed, and returns None on any other input."""
    exercise = checked(name)[0]
    function = exercise.check_call.args[0].id
    session = Session(notebook_path(name))
    session.run(exercise.solution_code + RECORDER.format(name=function))
    assert session.run(exercise.check).startswith("✔ ")
    seen = sorted(session.namespace["_seen"])
    answer = exercise.solution_code + HARD_CODED.format(name=function, seen=seen)
    session = Session(notebook_path(name))
    session.run(answer)
    assert session.run(exercise.check).startswith("✔ "), "right on the public inputs"
    return answer


def build_class(folder: Path, out: Path, canary: Path, port: int) -> None:
    """Write every submission of the class into ``folder``."""
    for name in IDS:
        save(folder, f"solutions-{name[:2]}", filled(name, solutions(name)), f"{name}.ipynb")
        save(folder, f"stubs-{name[:2]}", edition(name), "Untitled.ipynb")
        wrong = {cell: answer for cell, (answer, _) in wrong_answers(name).items()}
        save(folder, f"wrong-{name[:2]}", filled(name, wrong), f"hw {name[:2]} (1).ipynb")
    first = checked(ATTACKED)[0]
    right = solutions(ATTACKED)
    course = json.loads(notebook_path(ATTACKED).read_text(encoding="utf-8"))
    values = {"canary": str(canary), "grades": str(out / "grades.csv"), "port": port,
              "shared": str(SHARED_CANARY),
              "course": str(notebook_path(ATTACKED)), "stub": first.stub_id,
              "solution": course["cells"][first.solution_cell]["id"],
              "peer": str(folder / f"solutions-{ATTACKED[:2]}" / f"{ATTACKED}.ipynb")}
    for student, (attack, _) in ATTACKS.items():
        answer = attack.format(**values) + right[first.stub_id]
        save(folder, student, filled(ATTACKED, right | {first.stub_id: answer}))
    processes = LIMITS.processes if MODE == "root" else 10**9  # else shared: see README
    probe = PROBE.format(secret=SECRET, course=str(ROOT / "notebooks"), submissions=str(folder),
                         out=str(out), processes=processes)
    save(folder, "probe", filled(ATTACKED, right | {first.stub_id: probe + right[first.stub_id]}))
    save(folder, "hard-coded", filled(ATTACKED, right | {first.stub_id: public_only(ATTACKED)}))
    save(folder, "endless-everywhere", filled(ATTACKED, {
        ex.stub_id: ATTACKS["endless-loop"][0] for ex in checked(ATTACKED)}))
    build_odd_ones(folder)


def build_odd_ones(folder: Path) -> None:
    """Check cells tampered with, duplicated ids, twins, files that are no notebook."""
    first = checked(ATTACKED)[0]
    right = solutions(ATTACKED)
    tampered = {
        "check-deleted": lambda cells, at: cells.pop(at),
        "check-moved": lambda cells, at: cells.insert(at - 1, cells.pop(at)),
        "check-duplicated": lambda cells, at: cells.insert(at + 1, copy.deepcopy(cells[at])),
    }
    for student, change in tampered.items():
        notebook = filled(ATTACKED, right)
        change(notebook["cells"], cell_index(notebook, first.check_id))
        save(folder, student, notebook)
    edited = edition(ATTACKED)  # the stub left as it is, the check made to print a pass
    edited["cells"][cell_index(edited, first.check_id)]["source"] = 'print("✔ all tests passed")'
    save(folder, "check-edited", edited)
    # the first answer twice, with the same id: a wrong copy, then the right one below it
    twice = filled(ATTACKED, right)
    at = cell_index(twice, first.stub_id)
    wrong_copy = copy.deepcopy(twice["cells"][at])
    wrong_copy["source"] = wrong_answers(ATTACKED)[first.stub_id][0]
    twice["cells"].insert(at, wrong_copy)
    save(folder, "duplicated-ids", twice)
    for twin in ("twin-a", "twin-b"):  # the same file twice: two rows, the same grade
        save(folder, twin, filled(ATTACKED, right), "copied.ipynb")
    # a flat file (no sub-folder): the answer only prints what a passing check prints
    save(folder, ".", filled(ATTACKED, right | {first.stub_id: 'print("✔ per-feature dropout")'}),
         "printer.ipynb")
    save(folder, "other-version", other_version(ATTACKED))
    unknown = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)")])
    save(folder, "unknown", nbformat.writes(unknown))
    save(folder, "empty", "")
    save(folder, "json-not-notebook", '{"cells": "none", "nbformat": 4}')
    save(folder, "not-json", b"\x89PNG\r\n\x1a\n not a notebook at all")


def other_version(name: str) -> dict:
    """Notebook ``name`` as another course version would have it: the same lesson, other
    exercises (new ids, another checker)."""
    notebook = edition(name)
    for number, exercise in enumerate(checked(name)):
        for cell_id in (exercise.stub_id, exercise.check_id):
            cell = notebook["cells"][cell_index(notebook, cell_id)]
            cell["id"] = f"old{number}{cell['id'][3:]}"
            cell["source"] = f"exercises.check_old_{number}(answer_{number})"
    return notebook


def expected_wrong_verdicts() -> dict[str, list[str]]:
    """What each wrong answer's check prints at the hidden seed, run in this process."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as in the sandbox: the same arithmetic, the same digits
    expected: dict[str, list[str]] = {}
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(core, "SEED", HIDDEN_SEED)
            for name in IDS:
                wrong = wrong_answers(name)
                for exercise in checked(name):
                    session = Session(notebook_path(name))
                    session.run(wrong[exercise.stub_id][0])
                    expected.setdefault(name, []).append(session.run(exercise.check).strip())
    finally:
        torch.set_num_threads(threads)
    return expected


@pytest.fixture(scope="module")
def graded() -> Iterator[Graded]:
    shutil.rmtree(WORK, ignore_errors=True)
    folder, out, canary = WORK / "submissions", WORK / "grades", WORK / "submissions" / "canary.txt"
    listener = socket.create_server(("127.0.0.1", 0))
    build_class(folder, out, canary, listener.getsockname()[1])
    canary.write_text("untouched")
    progress = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SECRET, "the instructor's")
        run = grade(folder, out, jobs=2, limits=LIMITS, seed=HIDDEN_SEED, progress=progress)
    with open(out / "grades.csv", newline="", encoding="utf-8") as file:
        rows = {row["student"]: row for row in csv.DictReader(file)}
    with listener:
        yield Graded(run, rows, out, canary, listener, progress.getvalue(),
                     expected_wrong_verdicts())


def test_every_file_has_one_row(graded: Graded) -> None:
    folder = WORK / "submissions"
    files = sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*")
                   if path.is_file())
    with open(graded.out / "grades.csv", newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert sorted(row["file"] for row in rows) == files
    assert {"student", "file", "notebook", "total", "out_of", "status"} <= set(rows[0])
    for row in rows:
        points = [int(value) for key, value in row.items() if " ex" in key and value]
        assert int(row["total"]) == sum(points), row


@pytest.mark.parametrize("name", IDS)
def test_solutions_get_full_marks_and_stubs_zero(graded: Graded, name: str) -> None:
    full, stubs = graded.rows[f"solutions-{name[:2]}"], graded.rows[f"stubs-{name[:2]}"]
    assert (full["notebook"], full["status"]) == (name, "ok"), full
    assert int(full["total"]) == int(full["out_of"]) == len(checked(name)), full
    assert (stubs["notebook"], stubs["status"], stubs["total"]) == (name, "ok", "0"), stubs
    assert "✘ not attempted yet" in graded.feedback(f"stubs-{name[:2]}")


@pytest.mark.parametrize("name", IDS)
def test_wrong_answers_get_zero_and_their_hints(graded: Graded, name: str) -> None:
    row = graded.rows[f"wrong-{name[:2]}"]
    assert (row["status"], row["total"]) == ("ok", "0"), row
    feedback = graded.feedback(f"wrong-{name[:2]}")
    for verdict in graded.expected_wrong[name]:
        assert verdict.startswith("✘ ") and not verdict.startswith("✘ not attempted"), verdict
        assert verdict in feedback, f"the feedback lacks the hint {verdict!r}:\n{feedback}"


@pytest.mark.parametrize("student", sorted(ATTACKS))
def test_an_attack_costs_its_exercise_with_a_status(graded: Graded, student: str) -> None:
    if student == "fork-bomb" and MODE != "root":
        pytest.skip("not root: the process limit is shared with your own processes (README)")
    row = graded.rows[student]
    assert row["status"] == ATTACKS[student][1], row
    assert graded.points(student, ATTACKED) == [0] + [1] * (len(checked(ATTACKED)) - 1), row


def test_attacks_reached_nothing_outside(graded: Graded) -> None:
    assert graded.canary.read_text() == "untouched"
    written = SHARED_CANARY.exists()
    SHARED_CANARY.unlink(missing_ok=True)
    assert not written, f"a submission wrote {SHARED_CANARY}"
    graded.listener.setblocking(False)
    with pytest.raises(BlockingIOError):
        graded.listener.accept()  # no connection ever reached the instructor's machine


def test_the_sandbox_holds_from_inside(graded: Graded) -> None:
    """A probe asserts, inside the sandbox, what the grader promises: its full marks say
    that it is not root, sees none of the instructor's variables or folders, etc."""
    row = graded.rows["probe"]
    assert (row["status"], int(row["total"])) == ("ok", len(checked(ATTACKED))), (
        f"{row}\n{graded.feedback('probe')}")


def test_a_notebook_that_runs_too_long_is_stopped(graded: Graded) -> None:
    row = graded.rows["endless-everywhere"]
    assert (row["status"], row["total"]) == (statuses.TIMEOUT, "0"), row
    assert f"ran past its {LIMITS.notebook_seconds:g} s limit" in graded.feedback("endless-everywhere")


def test_hard_coded_answers_fail_on_hidden_inputs(graded: Graded) -> None:
    row = graded.rows["hard-coded"]
    assert row["status"] == "ok"
    assert graded.points("hard-coded", ATTACKED) == [0] + [1] * (len(checked(ATTACKED)) - 1)


@pytest.mark.parametrize("student", ["check-deleted", "check-moved", "check-duplicated"])
def test_tampered_check_cells_are_restored(graded: Graded, student: str) -> None:
    row = graded.rows[student]
    assert row["status"] == statuses.RESTORED, row
    assert int(row["total"]) == len(checked(ATTACKED))


def test_a_check_edited_to_pass_earns_nothing(graded: Graded) -> None:
    row = graded.rows["check-edited"]
    assert (row["status"], row["total"]) == (statuses.RESTORED, "0"), row


def test_printing_a_pass_earns_nothing(graded: Graded) -> None:
    row = graded.rows["printer"]  # a flat file: the student is the file's name
    assert row["status"] == "ok" and row["file"] == "printer.ipynb"
    assert graded.points("printer", ATTACKED)[0] == 0


def test_duplicated_ids_and_twins(graded: Graded) -> None:
    full = len(checked(ATTACKED))
    assert (graded.rows["duplicated-ids"]["status"], int(graded.rows["duplicated-ids"]["total"])
            ) == ("ok", full), "the cells run in order: the right copy comes last"
    for twin in ("twin-a", "twin-b"):
        assert (graded.rows[twin]["status"], int(graded.rows[twin]["total"])) == ("ok", full)


@pytest.mark.parametrize("student, status", [
    ("other-version", statuses.OTHER_VERSION), ("unknown", statuses.UNKNOWN_NOTEBOOK),
    ("empty", statuses.NOT_A_NOTEBOOK), ("json-not-notebook", statuses.NOT_A_NOTEBOOK),
    ("not-json", statuses.NOT_A_NOTEBOOK)])
def test_files_that_cannot_be_graded_get_a_status(graded: Graded, student: str,
                                                  status: str) -> None:
    row = graded.rows[student]
    assert (row["status"], row["total"]) == (status, "0"), row
    assert status in graded.feedback(student)


def test_feedback_holds_no_solution(graded: Graded) -> None:
    lines = {line.strip() for name in IDS for code in solutions(name).values()
             for line in code.splitlines() if len(line.strip()) > 24}
    for path in (graded.out / "feedback").glob("*.md"):
        text = path.read_text(encoding="utf-8")
        leaked = [line for line in lines if line in text]
        assert not leaked, f"{path.name} shows solution lines: {leaked}"


def test_summary_shows_rates_hints_and_who_needs_a_look(graded: Graded) -> None:
    summary = (graded.out / "summary.md").read_text(encoding="utf-8")
    assert (graded.out / "pass_rates.png").read_bytes().startswith(b"\x89PNG")
    assert "![Pass rate per exercise](pass_rates.png)" in summary
    look = summary.split("## Submissions that need a look")[1].split("What each status")[0]
    for row in graded.rows.values():
        assert (f"`{row['file']}`" in look) == (row["status"] != "ok"), row
    hints = summary.split("## Most common hints")[1]
    for verdict in graded.expected_wrong[IDS[0]]:  # one wrong answer and one stub each
        assert f"1 × {verdict}" in hints
    assert str(HIDDEN_SEED) in summary


def test_the_progress_bar_counts_to_the_end(graded: Graded) -> None:
    gradable = sum(1 for row in graded.rows.values() if row["notebook"]
                   and row["status"] != statuses.OTHER_VERSION)
    assert f"] {gradable}/{gradable} submissions" in graded.progress


@pytest.mark.skipif(MODE != "root", reason="the full sandbox needs Linux and root (as on CI)")
def test_every_protection_is_enforced_as_root_on_linux(graded: Graded) -> None:
    assert graded.run.protections and all(
        how.startswith("yes") for how in graded.run.protections.values()), graded.run.protections


def test_a_hidden_file_is_noted_even_inside_the_submissions_folder() -> None:
    """A course cloned into /tmp lies inside the sandbox's own /tmp: reading it is noted."""
    watch = Watch("/tmp", hidden=["/tmp/course"], kept=["/tmp/course/.venv"])
    watch("open", ("/tmp/course/.venv/lib/module.py", "r", 0))
    watch("open", ("/tmp/scratch.txt", "w", 0))
    assert watch.flags == set()
    watch("open", ("/tmp/course/notebooks/07-dropout.ipynb", "r", 0))
    assert watch.flags == {statuses.FILES}
