"""A throw-away PostgreSQL server on loopback, from Debian's postgresql package (for the DuckLake test).

``scripts/system_deps.sh`` installs the package. The server runs as the
``postgres`` system user when the tests run as root (initdb refuses root),
listens on 127.0.0.1 at a free port with trust authentication, and is stopped
and deleted afterwards.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


class PostgresMissing(RuntimeError):
    pass


def pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[4]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).parent
    raise PostgresMissing("PostgreSQL server binaries not found: run scripts/system_deps.sh "
                          "(apt-get install postgresql) or put pg_ctl on PATH")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def postgres(root: Path, dbname: str = "lake") -> Iterator[str]:
    """Yield a DuckLake catalog string ``postgres:dbname=… host=127.0.0.1 port=… user=…``."""
    bindir = pg_bin()
    # the server's files live in a folder of their own that the postgres user can reach (pytest's
    # tmp_path sits below a 0700 folder of root's); ``root`` keeps the log
    home = Path(tempfile.mkdtemp(prefix="ducklake-pg-"))
    home.chmod(0o755)
    data, sock = home / "pgdata", home / "pgsock"
    root = Path(root)
    as_root = os.geteuid() == 0
    user = "postgres" if as_root else pwd.getpwuid(os.geteuid()).pw_name
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    root.mkdir(parents=True, exist_ok=True)
    for d in (home, data, sock):
        d.mkdir(parents=True, exist_ok=True)
        if as_root:
            shutil.chown(d, "postgres", "postgres")
    port = _free_port()

    def run(*cmd: str) -> None:
        out = subprocess.run([*prefix, *cmd], capture_output=True, text=True, timeout=120)
        if out.returncode:
            raise RuntimeError(f"{' '.join(cmd)} failed ({out.returncode}): {out.stderr.strip() or out.stdout.strip()}")

    run(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", user, "--no-sync", "-E", "UTF8")
    run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(home / "pg.log"), "-w", "-o",
        f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", "start")
    try:
        for _ in range(50):
            if subprocess.run([str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
                              capture_output=True).returncode == 0:
                break
            time.sleep(0.2)
        run(str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", user, dbname)
        yield f"postgres:dbname={dbname} host=127.0.0.1 port={port} user={user}"
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                       capture_output=True, timeout=120)
        if (home / "pg.log").exists():
            shutil.copy(home / "pg.log", root / "pg.log")
        shutil.rmtree(home, ignore_errors=True)
