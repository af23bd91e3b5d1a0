"""d2l.run_torchrun: real torchrun runs of tiny scripts, on the loopback address only.

Each run starts torchrun and two worker processes. The scripts import torch only where
the test needs a process group, so that most runs take about as long as torchrun's start.
"""

from __future__ import annotations

import os
import signal
import socket
import textwrap
import threading
import time
from pathlib import Path

import pytest

import d2lutils as d2l
from d2lutils import distributed

pytestmark = pytest.mark.skipif(os.name != "posix",
                                reason="torchrun runs are tested on Linux and macOS")

ALL_REDUCE = """
import os
import sys

import torch
import torch.distributed as dist

dist.init_process_group("gloo")
value = torch.tensor([dist.get_rank() + 1.0])
dist.all_reduce(value)  # 1 + 2 on both ranks
# One write per line: the two ranks print at the same time into the same pipe.
sys.stdout.write(f"rank {dist.get_rank()} of {dist.get_world_size()}: sum {value.item():g}, "
                 f"master {os.environ['MASTER_ADDR']}:{os.environ['MASTER_PORT']}, "
                 f"gloo over {os.environ['GLOO_SOCKET_IFNAME']}\\n")
dist.destroy_process_group()
"""

CRASH = """
import os
import sys
import time

if os.environ["RANK"] == "1":
    raise ValueError("rank 1 has no data")
time.sleep(60)  # rank 0 waits: torchrun must stop it when rank 1 fails
"""

# Each rank writes "<its pid> <torchrun's pid>" to a file in the folder argv[1], then waits.
HANG = """
import os
import sys
import time
from pathlib import Path

Path(sys.argv[1], os.environ["RANK"]).write_text(f"{os.getpid()} {os.getppid()}")
time.sleep(600)
"""

HANG_TIMEOUT = 8.0  # seconds: enough for torchrun and two workers to start on a busy machine


def script(tmp_path: Path, source: str, name: str = "script.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie, dead but not yet reaped, does not count)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    if stat.exists():
        try:
            return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except (OSError, IndexError):
            return False
    return True


def started(folder: Path, count: int = 2) -> list[int]:
    """The pids of the workers and of torchrun, from the files that HANG writes."""
    files = sorted(folder.iterdir())
    assert len(files) == count, f"only {len(files)} of {count} workers had started"
    return sorted({int(pid) for f in files for pid in f.read_text().split()})


def assert_all_gone(pids: list[int]) -> None:
    deadline = time.monotonic() + 5  # init reaps orphans a moment later
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in pids if alive(pid)], "processes were left running"


def test_free_port_can_be_listened_on() -> None:
    port = d2l.free_port()
    assert 0 < port < 65536 and distributed.port_is_free(port)
    with socket.create_server(("127.0.0.1", port)):
        assert not distributed.port_is_free(port)


def test_two_processes_all_reduce_over_loopback(tmp_path: Path) -> None:
    port = d2l.free_port()
    output = d2l.run_torchrun(script(tmp_path, ALL_REDUCE), nproc=2, port=port, timeout=120)
    lines = sorted(output.splitlines())
    loopback = "lo0" if os.uname().sysname == "Darwin" else "lo"
    assert lines == [f"rank {rank} of 2: sum 3, master 127.0.0.1:{port}, gloo over {loopback}"
                     for rank in (0, 1)]


def test_a_busy_port_gives_an_error_that_names_it_and_the_fix(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with pytest.raises(d2l.TorchrunError, match=rf"port {port} is already in use") as err:
            d2l.run_torchrun(script(tmp_path, ALL_REDUCE), port=port)
    assert "leave out port=" in str(err.value) and "d2l.free_port()" in str(err.value)


def test_torchruns_own_port_error_is_reported_the_same_way(tmp_path: Path, monkeypatch) -> None:
    """A port taken between the check and torchrun's start: torchrun's failure is recognised."""
    monkeypatch.setattr(distributed, "port_is_free", lambda port: True)
    with socket.create_server(("", 0)) as server:
        port = server.getsockname()[1]
        with pytest.raises(d2l.TorchrunError, match=rf"port {port} is already in use"):
            d2l.run_torchrun(script(tmp_path, HANG), args=[tmp_path], port=port, timeout=120)
    assert len(list(tmp_path.iterdir())) == 1, "no worker may start without the store"


def test_a_crashing_script_gives_its_error_and_stops_the_other_rank(tmp_path: Path) -> None:
    crash = script(tmp_path, CRASH, name="crash.py")
    start = time.monotonic()
    with pytest.raises(d2l.TorchrunError) as err:
        d2l.run_torchrun(crash, nproc=2, timeout=120)
    message = str(err.value)
    assert message.startswith(f"torchrun {crash} failed (exit code 1)")
    assert 'crash.py", line 7, in <module>' in message
    assert message.rstrip().endswith("ValueError: rank 1 has no data")
    assert time.monotonic() - start < 60, "rank 0 was not stopped when rank 1 failed"


def test_without_a_traceback_the_error_quotes_the_last_lines_of_stderr() -> None:
    stderr = "\n".join(f"line {i}" for i in range(100)) + "\nout of disk space\n"
    tail = distributed._script_errors(stderr, Path("train.py"))
    assert tail.splitlines() == [f"line {i}" for i in range(76, 100)] + ["out of disk space"]


# What torchrun writes to stderr when a worker dies without a Python traceback (shortened).
ABORT = """\
terminate called without an active exception
W1130 10:10:53.436000 10011 torch/distributed/elastic/multiprocessing/api.py:1028] Sending \
process 10015 closing signal SIGTERM
E1130 10:10:53.550000 10011 torch/distributed/elastic/multiprocessing/api.py:1002] failed \
(exitcode: -6) local_rank: 0 (pid: 10014) of binary: /venv/bin/python
Traceback (most recent call last):
  File "<frozen runpy>", line 198, in _run_module_as_main
  File "/venv/lib/python3.11/site-packages/torch/distributed/run.py", line 1142, in <module>
    main()
torch.distributed.elastic.multiprocessing.errors.ChildFailedError:
============================================================
train.py FAILED
------------------------------------------------------------
Root Cause (first observed failure):
[0]:
  exitcode  : -6 (pid: 10014)  (SIGABRT)
============================================================
"""


def test_a_crash_without_traceback_is_quoted_without_torchruns_report() -> None:
    assert distributed._script_errors(ABORT, Path("train.py")) == (
        "terminate called without an active exception")


def test_a_hanging_script_is_stopped_at_the_timeout_with_all_its_processes(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    pids.mkdir()
    start = time.monotonic()
    with pytest.raises(d2l.TorchrunError, match=rf"did not finish within {HANG_TIMEOUT:g} s"):
        d2l.run_torchrun(script(tmp_path, HANG), args=[pids], timeout=HANG_TIMEOUT)
    assert time.monotonic() - start < HANG_TIMEOUT + distributed.GRACE + 5
    workers_and_torchrun = started(pids)
    assert len(workers_and_torchrun) == 3
    assert_all_gone(workers_and_torchrun)


def test_an_interrupt_stops_every_process_and_propagates(tmp_path: Path) -> None:
    """Ctrl-C (a notebook's interrupt) while the workers run: nothing is left behind."""
    pids = tmp_path / "pids"
    pids.mkdir()
    finished = threading.Event()

    def interrupt_once_started() -> None:
        while len(list(pids.iterdir())) < 2:
            if finished.wait(0.05):
                return
        time.sleep(0.2)  # let both files be written completely
        if not finished.is_set():
            os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt_once_started, daemon=True).start()
    try:
        with pytest.raises(KeyboardInterrupt):
            d2l.run_torchrun(script(tmp_path, HANG), args=[pids], timeout=120)
    finally:
        finished.set()  # never interrupt pytest itself after the run
    assert_all_gone(started(pids))


@pytest.mark.parametrize("kwargs, problem", [
    ({"nproc": 0}, "nproc must be a positive number"),
    ({"timeout": 0}, "timeout must be a positive number"),
    ({"port": 70000}, "port must be between 1 and 65535"),
])
def test_bad_arguments_are_refused_before_anything_starts(tmp_path: Path, kwargs: dict,
                                                          problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        d2l.run_torchrun(script(tmp_path, HANG), **kwargs)


def test_a_missing_script_names_the_folder_it_was_looked_for_in(tmp_path: Path,
                                                                monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match=rf"no script train\.py in {tmp_path}"):
        d2l.run_torchrun("train.py")
