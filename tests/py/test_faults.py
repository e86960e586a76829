"""Bad input and faults (DESIGN.md section 10): every one gets an error or a closed
connection, and the app keeps running and serves the next client."""

import os
import signal
import socket
import struct
import subprocess
import threading
import time

import pytest

from conftest import CLIENT, ERROR, HELLO, UNDER_ASAN, Raw, client_env, frame, wait_for


def read_all(sock, timeout=5.0):
    sock.settimeout(timeout)
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not chunk:
            break
        data += chunk
    return data


def connect(app):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(app.path)
    return s


def still_serves(app):
    r = app.client("info")
    assert r.returncode == 0, r.stderr
    assert app.alive()


def error_text(data):
    assert data[:3] == b"EW\x04", data[:32]
    (n,) = struct.unpack(">I", data[4:8])
    return data[8 : 8 + n].decode()


def test_garbage_bytes(app):
    s = connect(app)
    s.sendall(os.urandom(4096).replace(b"E", b"x"))
    assert "not the eww protocol (malformed protocol data)" in error_text(read_all(s))
    still_serves(app)


def test_binary_garbage_after_handshake(app):
    r = app.raw()
    r.hello()
    r.send(b"\x00\xff" * 100)
    ftype, payload = r.recv_frame()
    assert ftype == ERROR and b"bad frame from client: malformed protocol data" in payload
    assert r.recv_frame() is None
    still_serves(app)


def test_oversized_frame(app):
    r = app.raw()
    r.hello()
    r.send(b"EW\x02\x00" + struct.pack(">I", 1 << 30))
    ftype, payload = r.recv_frame()
    assert ftype == ERROR and payload.decode() == \
        "bad frame from client: too large; closing the session"
    still_serves(app)


def test_truncated_frame(app):
    r = app.raw()
    r.hello()
    r.send(frame(2, b"info\0")[:-3])
    r.sock.shutdown(socket.SHUT_WR)
    ftype, payload = r.recv_frame()
    assert ftype == ERROR and b"malformed protocol data" in payload
    still_serves(app)


def test_http_request_is_refused(app):
    s = connect(app)
    s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    data = read_all(s)
    assert data.startswith(b"HTTP/1.0 400 Bad Request\r\n")
    assert b"does not speak HTTP" in data
    assert b"pid" not in data  # nothing about the process leaks to a browser
    still_serves(app)


def test_unexpected_frame_type(app):
    r = app.raw()
    r.hello()
    r.send(frame(3, b"output from a client?"))
    ftype, payload = r.recv_frame()
    assert ftype == ERROR and payload.decode() == \
        "unexpected OUTPUT frame from client; closing the session"
    still_serves(app)


def test_command_before_hello(app):
    r = app.raw()
    r.send(frame(2, b"info\0"))
    ftype, payload = r.recv_frame()
    assert ftype == ERROR and payload.decode() == "refused: expected HELLO, got COMMAND"
    still_serves(app)


def test_protocol_mismatch_from_a_newer_client(app):
    r = app.raw()
    with pytest.raises(ConnectionRefusedError, match="protocol version mismatch: the client "
                       "speaks version 99, this console .eww 0.1.0. speaks version 1"):
        r.hello(proto=99)
    still_serves(app)


def test_protocol_mismatch_from_a_newer_console(tmp_path):
    path = str(tmp_path / "fake.sock")
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen(1)

    def serve():
        c, _ = srv.accept()
        c.recv(4096)  # the client's HELLO; answer as a console of protocol version 2
        c.sendall(frame(HELLO, b"proto=2\npid=1\nprogram=future\neww=9.0\n"))
        time.sleep(0.5)
        c.close()

    t = threading.Thread(target=serve)
    t.start()
    r = subprocess.run([CLIENT, "--socket", path, "info"], capture_output=True, text=True,
                       timeout=30, env=client_env(os.environ))
    t.join()
    assert r.returncode == 2
    assert "protocol version mismatch: the console speaks version 2 (eww 9.0), this client " \
           "(eww 0.1.0) speaks version 1" in r.stderr


def test_client_that_never_sends(make_app):
    app = make_app(embed="eww.embed(handshake_timeout=0.3)")
    s = connect(app)
    still_serves(app)  # a silent connection blocks nobody
    assert error_text(read_all(s)) == "refused: no greeting within 300 ms"
    still_serves(app)


def test_client_killed_mid_command(app):
    for _ in range(20):
        r = app.raw()
        r.hello()
        r.send(frame(2, b"help\0"))
        # close with a reset, without reading the answer
        r.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        r.close()
    # the real client, killed while connected
    p = subprocess.Popen([CLIENT, str(app.pid)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, env=app.client_env)
    assert p.stdout.readline().startswith(b"Welcome")
    p.send_signal(signal.SIGKILL)
    p.wait()
    still_serves(app)
    assert wait_for(lambda: "sessions:    1 of" in app.client("info").stdout)


def test_client_that_never_reads(app):
    """A client that sends many commands and reads nothing only fills its own socket."""
    r = app.raw()
    r.hello()
    r.sock.setblocking(False)
    sent = 0
    try:
        for _ in range(20000):
            r.sock.send(frame(2, b"help\0"))
            sent += 1
    except BlockingIOError:
        pass
    assert sent > 100
    still_serves(app)
    r.close()
    still_serves(app)


def session_worker(path, n, results, i):
    try:
        r = Raw(path, timeout=60)
        hello = r.hello()
        ok = 0
        for _ in range(n):
            status, out, err = r.command("info")
            ok += status == 0 and f"pid:         {hello['pid']}" in out
        r.close()
        results[i] = ok
    except Exception as exc:  # reported by the assertion below
        results[i] = exc


def run_clients(app, clients, commands):
    results = [None] * clients
    threads = [threading.Thread(target=session_worker, args=(app.path, commands, results, i))
               for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_100_clients_at_once_each_100_commands(app):
    # A first round lets malloc create its per-thread arenas once; the second round must then
    # leave RSS and the thread count where it found them.
    idle_threads = app.threads()
    assert idle_threads == 3  # main, eww-listen, eww-audit
    assert run_clients(app, 100, 10) == [10] * 100
    assert wait_for(lambda: app.threads() == idle_threads)
    rss_before, threads_before = app.rss(), app.threads()
    results = run_clients(app, 100, 100)
    assert results == [100] * 100
    assert wait_for(lambda: app.threads() == threads_before)
    growth = app.rss() - rss_before
    if not UNDER_ASAN:  # ASan's quarantine makes RSS meaningless; it checks memory errors
        assert growth < 2 << 20, f"RSS grew by {growth} bytes over 10,000 commands"
    still_serves(app)


def test_thousands_of_commands_leave_rss_flat(app):
    """One session, 5,000 commands after a warm-up: no memory of our own is kept."""
    r = app.raw()
    r.hello()
    for _ in range(500):
        assert r.command("info")[0] == 0
    before = app.rss()
    for _ in range(5000):
        assert r.command("help")[0] == 0
        assert r.command("info", "--json")[0] == 0
    growth = app.rss() - before
    r.close()
    if not UNDER_ASAN:
        assert growth < 256 << 10, f"RSS grew by {growth} bytes over 10,000 commands"
