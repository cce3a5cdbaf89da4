"""Sandbox slots: every grading process gets a uid of its own, and a slot's leftovers are cleared.

Two concurrent graders sharing a uid would share its process limit, and clearing one grader's
leftovers would kill the other's sandboxes; a fork bomb's children, still alive a moment after
their sandbox was killed, would stop the next sandbox of that slot from starting.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from course import isolation


def test_leases_in_one_process_are_distinct_and_released():
    a, b = isolation.lease_slot(), isolation.lease_slot()
    try:
        assert a != b
    finally:
        isolation.release_slot(a)
        isolation.release_slot(b)
    again = isolation.lease_slot()
    isolation.release_slot(again)
    assert again in (a, b)


@pytest.mark.skipif(os.geteuid() != 0, reason="slots are only locked across processes when sandboxes switch uid (root)")
def test_another_process_never_gets_a_leased_slot():
    mine = isolation.lease_slot()
    try:
        code = "from course import isolation; print(isolation.lease_slot())"
        env = {k: v for k, v in os.environ.items() if k != isolation.SLOT_ENV}
        theirs = int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                    env=env, check=True).stdout)
        assert theirs != mine
    finally:
        isolation.release_slot(mine)


def test_current_slot_is_exported_to_children(monkeypatch):
    monkeypatch.delenv(isolation.SLOT_ENV, raising=False)
    slot = isolation.current_slot()
    try:
        assert os.environ[isolation.SLOT_ENV] == str(slot)
        assert isolation.current_slot() == slot
    finally:
        isolation.release_slot(slot)


@pytest.mark.skipif(not isolation.bwrap_available() or os.geteuid() != 0,
                    reason="needs bubblewrap and root (sandboxes switch to the slot's uid)")
def test_a_fork_bombs_leftovers_do_not_block_the_next_sandbox(tmp_path):
    slot = isolation.lease_slot()
    try:
        bomb = tmp_path / "bomb"
        bomb.mkdir()
        (bomb / "a.py").write_text("import os, time\nwhile True:\n    try:\n        os.fork()\n"
                                   "    except OSError:\n        time.sleep(0.01)\n")
        limits = isolation.Limits(cpu_seconds=5, wall_seconds=2, processes=64)
        done = isolation.run([sys.executable, str(bomb / "a.py")], bomb, limits, slot=slot)
        assert done.timed_out
        after = tmp_path / "after"
        after.mkdir()
        (after / "b.py").write_text("print('started')\n")
        started = time.monotonic()
        ok = isolation.run([sys.executable, str(after / "b.py")], after, limits, slot=slot)
        assert ok.returncode == 0 and "started" in ok.stdout, ok
        assert time.monotonic() - started < 10
        uid = isolation.sandbox_uid(slot)
        assert not [p for p in psutil.process_iter(["uids"]) if p.info["uids"] and p.info["uids"].real == uid]
    finally:
        isolation.release_slot(slot)


@pytest.mark.skipif(not isolation.bwrap_available() or os.geteuid() != 0,
                    reason="needs bubblewrap and root (sandboxes switch to the slot's uid)")
def _uid_of(pid: int) -> int | None:
    try:
        return psutil.Process(pid).uids().real
    except psutil.Error:
        return None


def test_processes_left_under_a_slots_uid_are_reclaimed_before_the_next_sandbox(tmp_path):
    """Leftovers that hold the slot's whole process allowance would make the next start fail."""
    slot = isolation.lease_slot()
    uid = isolation.sandbox_uid(slot)
    sleepers = [subprocess.Popen(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "sleep", "60"])
                for _ in range(2)]
    try:
        # setpriv switches uid only after it starts: under load, reclaiming before that would
        # miss them, and the test would measure the race rather than the reclaim
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_uid_of(p.pid) != uid for p in sleepers):
            time.sleep(0.01)
        (tmp_path / "b.py").write_text("print('started')\n")
        limits = isolation.Limits(cpu_seconds=5, wall_seconds=10, processes=2)
        ok = isolation.run([sys.executable, str(tmp_path / "b.py")], tmp_path, limits, slot=slot)
        assert ok.returncode == 0 and "started" in ok.stdout, ok
        assert all(p.wait(timeout=10) == -9 for p in sleepers)
    finally:
        for p in sleepers:
            p.kill()
        isolation.release_slot(slot)
