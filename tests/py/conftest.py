"""Helpers for the end-to-end tests: a real app in a subprocess with the console embedded,
the real ``eww`` client binary, and a raw protocol client for the abuse tests.

Every test gets its own socket directory (EWW_SOCKET_DIR, mode 0700), so tests never see
each other's consoles or those of other programs on the machine.
"""

import os
import signal
import socket
import struct
import subprocess
import sys
import textwrap
import time

import pytest

import eww

HELLO, COMMAND, OUTPUT, ERROR, DONE, FILE = 1, 2, 3, 4, 5, 6
PROMPT, INPUT, INTERRUPT, EOF, PROGRESS, DATA, COMPLETE = 7, 8, 9, 10, 11, 12, 13
CLIENT = eww.client_path()

# The sanitizer job preloads ASan into every Python process: its allocator keeps freed memory
# in quarantine (RSS never falls back) and replaces glibc's malloc (mallinfo2 sees nothing).
UNDER_ASAN = "libasan" in os.environ.get("LD_PRELOAD", "")


def client_env(env):
    """The environment for running the client: under the sanitizer job, the client (all our
    code) runs with LeakSanitizer on, unlike the Python apps."""
    env = dict(env)
    if "EWW_CLIENT_ASAN_OPTIONS" in env:
        env["ASAN_OPTIONS"] = env["EWW_CLIENT_ASAN_OPTIONS"]
    return env


def frame(ftype, payload=b"", flags=0):
    return b"EW" + bytes([ftype, flags]) + struct.pack(">I", len(payload)) + payload


class Raw:
    """A protocol client written from docs/protocol.md, independent of the C client."""

    def __init__(self, path, timeout=10.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def recv_frame(self):
        while True:
            if len(self.buf) >= 8:
                assert self.buf[:2] == b"EW", self.buf[:16]
                (n,) = struct.unpack(">I", self.buf[4:8])
                if len(self.buf) >= 8 + n:
                    f = (self.buf[2], self.buf[8 : 8 + n])
                    self.buf = self.buf[8 + n :]
                    return f
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk

    def hello(self, proto=1):
        try:
            self.send(frame(HELLO, f"proto={proto}\nclient=pytest\n".encode()))
        except BrokenPipeError:
            pass  # refused before our greeting went out; the reason is waiting to be read
        ftype, payload = self.recv_frame()
        if ftype == ERROR:
            raise ConnectionRefusedError(payload.decode())
        assert ftype == HELLO
        return dict(line.split("=", 1) for line in payload.decode().splitlines())

    def command(self, *argv):
        self.send(frame(COMMAND, b"".join(a.encode() + b"\0" for a in argv)))
        return self.until_done()

    def until_done(self, progress=None):
        """The answer of the command sent last: (status, output, errors); its PROGRESS
        lines are appended to `progress` when given."""
        out, err = b"", b""
        while True:
            f = self.recv_frame()
            if f is None:
                raise ConnectionError("closed before DONE")
            ftype, payload = f
            if ftype == OUTPUT:
                out += payload
            elif ftype == ERROR:
                err += payload
            elif ftype == PROGRESS and progress is not None:
                progress.append(payload.decode())
            elif ftype == DONE:
                return payload[0], out.decode(), err.decode()

    def close(self):
        self.sock.close()


class Repl:
    """Drives a `repl` session over a Raw connection: each call returns the output up to the
    next PROMPT (with that prompt), or up to DONE (prompt None, status set)."""

    def __init__(self, raw, *args):
        self.raw = raw
        self.status = None
        raw.send(frame(COMMAND, b"".join(a.encode() + b"\0" for a in ("repl", *args))))

    def until_prompt(self):
        out = b""
        while True:
            f = self.raw.recv_frame()
            if f is None:
                raise ConnectionError(f"closed; output so far: {out!r}")
            ftype, payload = f
            if ftype in (OUTPUT, ERROR):
                out += payload
            elif ftype == PROMPT:
                return out.decode(), payload.decode()
            elif ftype == DONE:
                self.status = payload[0]
                return out.decode(), None

    def send(self, line):
        self.raw.send(frame(INPUT, line.encode()))
        return self.until_prompt()

    def until_output(self, text):
        """Read until the output holds `text` (a statement says it is running)."""
        out = b""
        while text.encode() not in out:
            f = self.raw.recv_frame()
            if f is None or f[0] in (PROMPT, DONE):
                raise AssertionError(f"{text!r} not seen before {f}; output: {out!r}")
            if f[0] in (OUTPUT, ERROR):
                out += f[1]
        return out.decode()

    def eof(self):
        self.raw.send(frame(EOF))
        return self.until_prompt()

    def interrupt(self):
        self.raw.send(frame(INTERRUPT))


class App:
    """A Python program running in a subprocess with the console embedded."""

    def __init__(self, sockdir, code, embed="eww.embed()", env=None, args=(), argv=None,
                 stdin=subprocess.DEVNULL):
        self.sockdir = sockdir
        self.env = dict(os.environ, EWW_SOCKET_DIR=str(sockdir), PYTHONUNBUFFERED="1")
        self.env.update(env or {})
        self.client_env = client_env(self.env)
        prologue = textwrap.dedent(
            f"""
            import eww, sys, os, time
            _path = {embed}
            print("READY", _path, flush=True)
            """
        )
        script = prologue + textwrap.dedent(code)
        cmd = argv or [sys.executable, "-c", script, *args]
        self.proc = subprocess.Popen(
            cmd,
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self.env,
            text=True,
            start_new_session=True,  # stop() ends the app's forked children too
        )
        self.pid = self.proc.pid
        self.path = None
        if argv is None:
            line = self.proc.stdout.readline()
            if not line.startswith("READY"):
                self.proc.kill()
                raise RuntimeError(f"app did not start: {line!r} {self.proc.stderr.read()}")
            self.path = line.split(None, 1)[1].strip()

    def readline(self):
        return self.proc.stdout.readline().rstrip("\n")

    def client(self, *args, pid=True, timeout=30, **kw):
        argv = [CLIENT] + ([str(self.pid)] if pid else []) + [str(a) for a in args]
        return subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, env=self.client_env, **kw
        )

    def raw(self):
        return Raw(self.path)

    def alive(self):
        return self.proc.poll() is None

    def threads(self):
        return len(os.listdir(f"/proc/{self.pid}/task"))

    def rss(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS")

    def stop(self):
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = self.proc.communicate(timeout=10)
        return out, err


@pytest.fixture
def sockdir(tmp_path):
    d = tmp_path / "eww"
    d.mkdir(mode=0o700)
    os.chmod(d, 0o700)
    return d


@pytest.fixture
def make_app(sockdir):
    apps = []

    def make(code="time.sleep(60)", **kw):
        app = App(sockdir, code, **kw)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.stop()


@pytest.fixture
def app(make_app):
    return make_app()


def wait_for(pred, timeout=10.0, interval=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(interval)
    return pred()
