"""Real server and worker processes on loopback, for the drills and the soak.

Each process runs in its own session (process group), so ``kill`` reaches a gunicorn master and
its workers at once, as a crash of the host or an operator's ``kill -9`` would.
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def process_env(database_url: str, **extra: str) -> dict:
    """The environment of a platform process on ``database_url`` (plus ``extra`` variables)."""
    env = dict(os.environ, DATABASE_URL=database_url, PYTHONUNBUFFERED="1")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["PYTHONPATH"] = f"{ROOT}{os.pathsep}{env.get('PYTHONPATH', '')}"
    env.update(extra)
    return env


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process {process.args[0]} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    kill(process)
    raise RuntimeError(f"nothing listened on 127.0.0.1:{port} within {seconds:.0f} s")


def start_server(
    port: int, env: dict, *, workers: int = 1, threads: int = 4, log: Path | None = None
) -> subprocess.Popen:
    """A gunicorn app server on 127.0.0.1:``port``; returns once it accepts connections."""
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - owned by the child
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "sibao.config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--graceful-timeout",
            "5",
            # servers of one run (the soak starts two) must not share the control socket's path
            "--no-control-socket",
        ],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        cwd=ROOT,
    )
    wait_for_port(port, process)
    return process


def start_worker(env: dict, *, log: Path | None = None) -> subprocess.Popen:
    """A background-task worker (``sibao db_worker``)."""
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - owned by the child
    return subprocess.Popen(
        [str(BIN / "sibao"), "db_worker"],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        cwd=ROOT,
    )


def kill(process: subprocess.Popen, sig: int = signal.SIGKILL, timeout: float = 10) -> None:
    """Send ``sig`` to the process's whole group and wait for the leader to exit."""
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)


def group_rss_kib(process: subprocess.Popen) -> int:
    """Resident memory of the process and every process in its group, in KiB."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != process.pid:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return total


class Client:
    """One keep-alive HTTP connection to a local server; reconnects when it is closed.

    ``request`` returns ``(status, body bytes)``; a connection error raises ``OSError`` (or
    ``http.client.HTTPException``) after one reconnect, so a caller can tell "not acknowledged"
    from any answer of the server.
    """

    def __init__(self, port: int, token: str | None = None, timeout: float = 30):
        self.port = port
        self.timeout = timeout
        self.headers = {"Content-Type": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self.conn = None

    def request(self, method: str, path: str, body=None, headers: dict | None = None):
        if body is not None and not isinstance(body, bytes | str):
            body = json.dumps(body)
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.request(
                    method, path, body=body, headers={**self.headers, **(headers or {})}
                )
                response = self.conn.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return response.status, data
            except (http.client.HTTPException, OSError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
