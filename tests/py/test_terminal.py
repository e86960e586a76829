"""The interactive client on a real terminal (a pty): banner, prompt, line editing,
completion, Ctrl-C, choosing among several consoles."""

import fcntl
import os
import pty
import re
import select
import subprocess
import termios
import time

import pytest

from conftest import CLIENT

HAS_LIBEDIT = "line editing: libedit" in subprocess.run(
    [CLIENT, "--version"], capture_output=True, text=True).stdout


class Terminal:
    def __init__(self, argv, env):
        self.master, slave = pty.openpty()
        # A session of its own with the pty as controlling terminal, so that Ctrl-C typed
        # into it becomes SIGINT, as in a real terminal.
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True,
                                     preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
        os.close(slave)
        self.screen = ""

    def expect(self, pattern, timeout=30.0):
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(pattern, self.screen)
            if m:
                self.screen = self.screen[m.end():]
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{pattern!r} not seen; screen: {self.screen!r}")
            r, _, _ = select.select([self.master], [], [], left)
            if r:
                try:
                    self.screen += os.read(self.master, 65536).decode(errors="replace")
                except OSError:
                    pass

    def send(self, keys):
        os.write(self.master, keys.encode())

    def ctrl_c_until(self, pattern, tries=3):
        """Ctrl-C, again if needed: libedit sees a SIGINT that lands while it is between two
        reads only at the next key (a known limitation; a user presses again)."""
        for attempt in range(tries):
            self.send("\x03")
            try:
                return self.expect(pattern, timeout=3.0)
            except AssertionError:
                if attempt == tries - 1:
                    raise

    def wait_raw(self, timeout=30.0):
        """Wait until the line editor has put the terminal in raw mode (libedit prints its
        prompt first): keys typed before that are cooked by the terminal instead."""
        if not HAS_LIBEDIT:
            return
        deadline = time.monotonic() + timeout
        while termios.tcgetattr(self.master)[3] & termios.ICANON:
            if time.monotonic() > deadline:
                raise AssertionError("the terminal never left canonical mode")
            time.sleep(0.01)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        os.close(self.master)


@pytest.fixture
def terminal(app):
    terms = []

    def start(*args):
        t = Terminal([CLIENT, *args], env=dict(app.client_env, HOME=str(app.sockdir)))
        terms.append(t)
        return t

    yield start
    for t in terms:
        t.close()


def test_banner_prompt_and_exit(app, terminal):
    t = terminal(str(app.pid))
    t.expect(r"Welcome to the eww console\. Type 'help' for a list of commands\.")
    t.expect(rf"Running in PID: {app.pid} Name: python")
    t.expect(r"\(eww\) ")
    t.wait_raw()
    t.send("info\r")
    t.expect(rf"pid: +{app.pid}")
    t.expect(r"\(eww\) ")
    t.wait_raw()
    t.send("help 'info'\r")
    t.expect(r"usage: info \[--json\]")
    t.expect(r"\(eww\) ")
    t.wait_raw()
    t.send("quit\r")
    assert t.proc.wait(timeout=10) == 0
    assert app.client("info").returncode == 0


def test_arrow_keys_never_reach_a_command(app, terminal):
    # without libedit the terminal hands the escape sequences over in the line: they are
    # dropped, not sent as "^[[Ainfo"; with libedit they move in the line and history
    t = terminal(str(app.pid))
    if not HAS_LIBEDIT:  # and it says so
        t.expect(r"\(No line editing: this eww was built without libedit\. For arrow keys")
    t.expect(r"\(eww\) ")
    t.wait_raw()
    t.send("\x1b[A\x1b[Dinfo\r")
    t.expect(rf"pid: +{app.pid}")
    t.expect(r"\(eww\) ")
    t.wait_raw()
    t.send("repl -q\r")
    t.expect(r">>> ")
    t.wait_raw()
    # up: the REPL keeps its own history (empty here), never the console's `repl -q`
    t.send("\x1b[A\x1b[D6 * 7\r")
    t.expect(r"\n42\r?\n")
    t.expect(r">>> ")
    t.wait_raw()
    t.send("\x04")
    t.expect(r"\(eww\) ")
    t.wait_raw()
    t.send("\x04")
    assert t.proc.wait(timeout=10) == 0


def test_ctrl_c_at_the_prompt_keeps_the_session(app, terminal):
    t = terminal(str(app.pid))
    t.expect(r"\(eww\) ")
    t.wait_raw()
    t.send("help 'half a line")
    t.ctrl_c_until(r"\(eww\) ")  # the half line is dropped, a fresh prompt
    t.wait_raw()
    t.ctrl_c_until(r"\(eww\) ")
    t.wait_raw()
    t.send("info\r")
    t.expect(rf"pid: +{app.pid}")
    t.expect(r"\(eww\) ")
    t.wait_raw()
    t.send("\x04")  # Ctrl-D leaves
    assert t.proc.wait(timeout=10) == 0


@pytest.mark.skipif(not HAS_LIBEDIT, reason="client built without libedit")
def test_completion_and_history(app, terminal):
    t = terminal(str(app.pid))
    t.expect(r"\(eww\) ")
    t.wait_raw()
    t.send("inf\t\r")  # Tab completes the command name
    t.expect(rf"pid: +{app.pid}")
    t.expect(r"\(eww\) ")
    t.wait_raw()
    t.send("he\tinf\t\r")  # and the argument of help
    t.expect(r"usage: info \[--json\]")
    t.expect(r"\(eww\) ")
    t.wait_raw()
    t.send("\x1b[A\x1b[A\r")  # Up twice: the info command again
    t.expect(rf"pid: +{app.pid}")
    t.expect(r"\(eww\) ")
    t.wait_raw()
    t.send("exit\r")
    assert t.proc.wait(timeout=10) == 0
    history = (app.sockdir / ".eww_history").read_text()
    assert "info" in history


def test_several_consoles_on_a_terminal_asks_which(make_app, terminal):
    a, b = make_app(), make_app()
    t = terminal()
    t.expect("Several processes have an eww console")
    t.expect(r"Connect to which PID\? ")
    t.send("12\r")
    t.expect(r"12 is not one of them\.")
    t.send(f"{b.pid}\r")
    t.expect(rf"Running in PID: {b.pid} ")
    t.send("exit\r")
    assert t.proc.wait(timeout=10) == 0
