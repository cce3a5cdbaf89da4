"""Run untrusted student code in a locked-down child process.

With bubblewrap (Debian package ``bubblewrap``) the child sees only the Python installation,
the virtual environment, the folders it is given and a private /tmp: no course directory, no
gradebook, no other submissions, no /etc, no network (a fresh network namespace), its own PID
namespace, and, when the grader runs as root, an unprivileged uid so that the process limit
holds. Without bubblewrap the child still gets a scrubbed environment, a private working folder
and resource limits, but can read whatever the grading user can: see README "Security model".
"""

import dataclasses
import fcntl
import functools
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

# Each process that grades runs its sandboxes under a uid of its own (a "slot"), so one
# student's processes never count against another's process limit, and clearing one slot's
# leftovers (see reclaim) never touches another grader's sandboxes. Slots are leased through
# lock files, so concurrent runs (two autogrades, parallel test workers) never share one.
SANDBOX_UID_BASE = 64000
SLOT_ENV = "RNN_COURSE_SANDBOX_SLOT"
SLOT_LOCKS = Path("/tmp/rnn-course-sandbox-slots")
MAX_SLOTS = 1000
_leases: dict[int, int] = {}  # slot -> file descriptor holding its lock

CHILD_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": "/tmp",
    "LANG": "C.UTF-8",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "MPLBACKEND": "Agg",
    "MPLCONFIGDIR": "/tmp/matplotlib",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONHASHSEED": "0",
}


@dataclasses.dataclass(frozen=True)
class Limits:
    """Per-child resource limits. memory_bytes bounds the address space of each process."""

    cpu_seconds: int = 30
    wall_seconds: float = 60.0
    memory_bytes: int = 4 * 2**30
    file_bytes: int = 32 * 2**20
    processes: int = 64
    open_files: int = 512


@dataclasses.dataclass(frozen=True)
class Completed:
    returncode: int
    timed_out: bool
    stdout: str
    stderr: str

    @property
    def how_it_ended(self) -> str:
        """A sentence for the student's report."""
        if self.timed_out:
            return "it ran past the time limit and was stopped"
        # bubblewrap reports a child killed by signal N as 128 + N
        signum = -self.returncode if self.returncode < 0 else self.returncode - 128 if self.returncode > 128 else 0
        if signum in signal.Signals._value2member_map_:
            name = signal.Signals(signum).name
            reason = {"SIGXCPU": "it used more CPU time than allowed", "SIGXFSZ": "it wrote more output than allowed",
                      "SIGSEGV": "it crashed (segmentation fault)", "SIGKILL": "it was killed (memory or time limit)"}
            return reason.get(name, f"it was stopped by {name}")
        return f"it exited with status {self.returncode}"


NO_SANDBOX_ENV = "RNN_COURSE_NO_SANDBOX"  # set by `autograde --no-sandbox` for its workers


def bwrap_available() -> bool:
    """True when bubblewrap can build a sandbox here and the run did not turn it off (--no-sandbox)."""
    return not os.environ.get(NO_SANDBOX_ENV) and bwrap_works()


@functools.lru_cache(maxsize=None)
def bwrap_works() -> bool:
    """True when bubblewrap is installed and can build a sandbox here."""
    exe = shutil.which("bwrap")
    if exe is None:
        return False
    probe = subprocess.run(_bwrap_prefix(Path("/tmp"), (), drop_to=None) + ["/bin/true"],
                           capture_output=True, timeout=30)
    return probe.returncode == 0


def _python_roots() -> list[Path]:
    """Folders the child needs to run this interpreter with this environment's packages."""
    roots = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), Path(sys.prefix)}
    return sorted(roots)


def _bwrap_prefix(workdir: Path, readonly: tuple[Path, ...], drop_to: int | None,
                  hide: tuple[Path, ...] = (), writable: tuple[Path, ...] = ()) -> list[str]:
    args = ["bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session",
            "--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev", "--perms", "01777", "--tmpfs", "/tmp",
            "--perms", "0755", "--dir", "/etc", "--ro-bind-try", "/etc/fonts", "/etc/fonts"]
    for top in ("bin", "sbin", "lib", "lib64", "lib32"):
        host = Path("/") / top
        if host.is_symlink():
            args += ["--symlink", os.readlink(host), str(host)]
        elif host.is_dir():
            args += ["--ro-bind", str(host), str(host)]
    mounts = ([(p, "--ro-bind") for p in _python_roots() + list(readonly)]
              + [(p, "--bind") for p in (workdir, *writable)])
    made = set()
    for path, _ in mounts:
        # bwrap creates missing parents with the host's modes (e.g. /root is 0700), which an
        # unprivileged uid could not traverse: create them world-traversable first.
        for parent in reversed(path.parents):
            if str(parent) not in ("/", "/usr", "/tmp", "/proc", "/dev") and parent not in made:
                args += ["--perms", "0755", "--dir", str(parent)]
                made.add(parent)
    for path, how in mounts:
        if path.exists():
            args += [how, str(path), str(path)]
    for path in hide:
        if path.exists():
            args += ["--tmpfs", str(path)]
    args += ["--chdir", str(workdir)]
    if drop_to is not None:
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "setpriv",
                 f"--reuid={drop_to}", f"--regid={drop_to}", "--clear-groups", "--no-new-privs",
                 "--inh-caps=-all", "--bounding-set=-all"]
    return args


def lease_slot() -> int:
    """Reserve a free slot for this process until :func:`release_slot` or exit."""
    if os.geteuid() != 0:  # no uid to switch to: a slot only needs to be unique in this process
        slot = max(_leases, default=-1) + 1
        _leases[slot] = -1
        return slot
    SLOT_LOCKS.mkdir(mode=0o755, parents=True, exist_ok=True)
    for slot in range(MAX_SLOTS):
        if slot in _leases:
            continue
        fd = os.open(SLOT_LOCKS / f"{slot}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        _leases[slot] = fd
        return slot
    raise RuntimeError(f"all {MAX_SLOTS} sandbox slots are in use (lock files in {SLOT_LOCKS})")


def release_slot(slot: int) -> None:
    fd = _leases.pop(slot, None)
    if fd is not None and fd >= 0:
        os.close(fd)


def current_slot() -> int:
    """This process's slot: the one leased for it (``RNN_COURSE_SANDBOX_SLOT``, set by the Dask
    worker plugin of course.dask_worker), else one leased now and exported to the processes it starts."""
    if SLOT_ENV in os.environ:
        return int(os.environ[SLOT_ENV])
    slot = lease_slot()
    os.environ[SLOT_ENV] = str(slot)
    return slot


def sandbox_uid(slot: int | None = None) -> int | None:
    """The uid a sandbox runs as (None when the grader is not root and cannot switch)."""
    if os.geteuid() != 0:
        return None
    return SANDBOX_UID_BASE + (current_slot() if slot is None else slot)


def command(argv: list[str], workdir: Path, readonly: tuple[Path, ...] = (), slot: int | None = None,
            hide: tuple[Path, ...] = (), writable: tuple[Path, ...] = ()) -> list[str]:
    """The full command line that runs ``argv`` sandboxed (or plainly, without bubblewrap).

    ``hide`` lists folders replaced by empty ones inside the sandbox (e.g. TensorFlow's);
    ``writable`` lists folders shared read-write besides ``workdir``.
    """
    if not bwrap_available():
        return list(argv)
    paths = lambda ps: tuple(Path(p) for p in ps)
    return _bwrap_prefix(Path(workdir), paths(readonly), sandbox_uid(slot), paths(hide), paths(writable)) + list(argv)


def reclaim(slot: int | None = None, timeout: float = 10.0) -> None:
    """Kill whatever an earlier sandbox of this slot left behind, and wait until it is gone.

    A fork bomb's children outlive their sandbox for a moment after it is killed, and while
    they exist they count against the slot uid's process limit: the next sandbox (the same
    student's isolated checks, or the next student's kernel) would fail to start.
    """
    uid = sandbox_uid(slot)
    if uid is None or not bwrap_available():
        return
    deadline = time.monotonic() + timeout
    while True:
        left = [p for p in psutil.process_iter(["uids"]) if p.info["uids"] and p.info["uids"].real == uid]
        if not left or time.monotonic() > deadline:
            return
        for p in left:
            try:
                p.kill()
            except psutil.Error:
                pass
        time.sleep(0.05)


def prepare_workdir(workdir: Path, slot: int | None = None) -> None:
    """Let the sandbox's uid write into ``workdir`` (and nothing else of ours)."""
    uid = sandbox_uid(slot)
    if uid is not None and bwrap_available():
        os.chown(workdir, uid, uid)
        for path in workdir.rglob("*"):
            os.chown(path, uid, uid, follow_symlinks=False)


def limit_resources(limits: Limits):
    """A preexec function applying ``limits`` (inherited by everything the child starts)."""

    def apply():
        try:
            os.setsid()
        except PermissionError:  # already a session leader (e.g. started by jupyter_client)
            pass
        for res, value in ((resource.RLIMIT_CPU, limits.cpu_seconds), (resource.RLIMIT_AS, limits.memory_bytes),
                           (resource.RLIMIT_FSIZE, limits.file_bytes), (resource.RLIMIT_NPROC, limits.processes),
                           (resource.RLIMIT_NOFILE, limits.open_files), (resource.RLIMIT_CORE, 0)):
            resource.setrlimit(res, (value, value))

    return apply


def run(argv: list[str], workdir: Path, limits: Limits = Limits(), readonly: tuple[Path, ...] = (),
        slot: int | None = None, max_output: int = 64 * 1024, hide: tuple[Path, ...] = ()) -> Completed:
    """Run ``argv`` sandboxed in ``workdir``; never raises for anything the child does.

    stdout/stderr go to files outside the sandbox and at most ``max_output`` bytes of each are
    read back, so a child printing megabytes costs the grader nothing.
    """
    workdir = Path(workdir)
    reclaim(slot)
    prepare_workdir(workdir, slot)
    with tempfile.TemporaryDirectory(prefix="rnn-course-out-") as logs:
        out_path, err_path = Path(logs, "stdout"), Path(logs, "stderr")
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            proc = subprocess.Popen(command(argv, workdir, readonly, slot, hide), cwd=workdir, env=dict(CHILD_ENV),
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                    preexec_fn=limit_resources(limits))
            timed_out = False
            try:
                proc.wait(timeout=limits.wall_seconds)
            except subprocess.TimeoutExpired:
                timed_out = True
                _kill_group(proc)
                proc.wait()
        return Completed(proc.returncode, timed_out, _head(out_path, max_output), _head(err_path, max_output))


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _head(path: Path, limit: int) -> str:
    with open(path, "rb") as f:
        data = f.read(limit + 1)
    text = data[:limit].decode("utf-8", errors="replace")
    return text + ("\n[... output truncated ...]" if len(data) > limit else "")
