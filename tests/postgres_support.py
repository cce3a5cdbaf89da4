"""A PostgreSQL gradebook for the tests: $RNN_COURSE_TEST_PG_URL, or a throwaway cluster of
Debian's PostgreSQL binaries on a free loopback port (removed afterwards)."""

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

def _pg_bin() -> Path | None:
    for candidate in [shutil.which("initdb"), *sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)]:
        if candidate and Path(candidate).exists():
            return Path(candidate).parent
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def throwaway_postgres():
    """Start a private PostgreSQL cluster on a free loopback port; yield its URL; remove it."""
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found: install Debian's postgresql package")
    as_user = []
    if os.geteuid() == 0:  # the server refuses to run as root
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run the server")
        as_user = ["runuser", "-u", "postgres", "--"]
    # Not under pytest's tmp_path: its parents are private to root and the server runs as postgres.
    tmp = Path(tempfile.mkdtemp(prefix="rnn-course-pg-", dir="/tmp"))
    if as_user:
        shutil.chown(tmp, "postgres", "postgres")
    data, port = tmp / "data", free_port()
    pg_ctl = as_user + [str(bindir / "pg_ctl"), "-D", str(data)]
    try:
        subprocess.run(as_user + [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"],
                       check=True, capture_output=True, cwd=tmp)
        subprocess.run(pg_ctl + ["-w", "-l", str(tmp / "log"), "-o", f"-h 127.0.0.1 -p {port} -k {tmp} -F", "start"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp)
        import sqlalchemy

        admin = sqlalchemy.create_engine(f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sqlalchemy.text("CREATE DATABASE grades"))
        admin.dispose()
        yield f"postgresql://postgres@127.0.0.1:{port}/grades"
    finally:
        subprocess.run(pg_ctl + ["-m", "immediate", "stop"], capture_output=True, cwd=tmp)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres_url():
    """A PostgreSQL server URL: $RNN_COURSE_TEST_PG_URL (an empty database), or a throwaway cluster."""
    if os.environ.get("RNN_COURSE_TEST_PG_URL"):
        yield os.environ["RNN_COURSE_TEST_PG_URL"]
        return
    with throwaway_postgres() as url:
        yield url
