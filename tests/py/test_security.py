"""Who may connect, and where the console agrees to live (DESIGN.md section 2)."""

import os
import pathlib
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap

import pytest

from conftest import CLIENT, client_env


def unprivileged_user(name="ewwtest"):
    """(uid, gid) of an unprivileged account, created when missing. Needs root."""
    if os.geteuid() != 0:
        pytest.skip("needs root to run a client as another user (running as uid "
                    f"{os.geteuid()})")
    try:
        pw = pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", name], check=True)
        pw = pwd.getpwnam(name)
    return pw.pw_uid, pw.pw_gid


@pytest.fixture(scope="module")
def public_client(tmp_path_factory):
    """A copy of the client that other users can execute (the installed one may live under
    a 0700 home directory)."""
    d = tempfile.mkdtemp(prefix="eww-client-")
    os.chmod(d, 0o755)
    path = os.path.join(d, "eww")
    shutil.copy2(CLIENT, path)
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(d)


def test_symlinked_directory_is_refused_and_app_keeps_running(make_app, tmp_path):
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    link = tmp_path / "link"
    link.symlink_to(real)
    app = make_app("print('STILL RUNNING', flush=True); time.sleep(60)",
                   env={"EWW_SOCKET_DIR": str(link)})
    assert app.path == "None"
    assert app.readline() == "STILL RUNNING"
    assert app.alive()
    app.proc.kill()
    _, err = app.proc.communicate()
    assert f"eww: console not started: refusing socket directory {link}: it is a symbolic " \
           "link" in err
    assert os.listdir(real) == []


def test_directory_with_open_mode_is_refused(make_app, tmp_path):
    d = tmp_path / "open"
    d.mkdir()
    os.chmod(d, 0o755)
    app = make_app("print('STILL RUNNING', flush=True); time.sleep(60)",
                   env={"EWW_SOCKET_DIR": str(d)})
    assert app.path == "None" and app.readline() == "STILL RUNNING"
    app.proc.kill()
    _, err = app.proc.communicate()
    assert "its mode is 0755, it must be 0700" in err


def test_directory_owned_by_another_user_is_refused(make_app, tmp_path):
    uid, gid = unprivileged_user()
    d = tmp_path / "theirs"
    d.mkdir(mode=0o700)
    os.chown(d, uid, gid)
    app = make_app("print('STILL RUNNING', flush=True); time.sleep(60)",
                   env={"EWW_SOCKET_DIR": str(d)})
    assert app.path == "None" and app.readline() == "STILL RUNNING"
    app.proc.kill()
    _, err = app.proc.communicate()
    assert f"it is owned by uid {uid}, not by this process's uid {os.geteuid()}" in err


def test_client_of_another_user_is_refused_by_the_filesystem(app, public_client):
    uid, gid = unprivileged_user()
    # The client running as the other user cannot even reach the socket (0700 directory).
    r = subprocess.run([public_client, "--socket", app.path, "info"], capture_output=True, text=True,
                       user=uid, group=gid, env=app.client_env, cwd="/")
    assert r.returncode == 2
    assert "permission denied (the console belongs to another user" in r.stderr
    assert app.alive()


def test_client_of_another_user_is_refused_by_the_peer_check(app, tmp_path):
    """Past the filesystem (here with fsuid 0 but euid of the other user, which is what
    SO_PEERCRED reports), the console itself refuses the peer and says why."""
    uid, _ = unprivileged_user()
    helper = tmp_path / "peer.py"
    helper.write_text(textwrap.dedent(
        """
        import ctypes, os, socket, sys
        libc = ctypes.CDLL(None, use_errno=True)
        os.seteuid(int(sys.argv[2]))
        libc.setfsuid(0)
        s = socket.socket(socket.AF_UNIX)
        s.connect(sys.argv[1])
        os.seteuid(0)
        s.settimeout(5)
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        sys.stdout.write(data[8:].decode())
        """))
    r = subprocess.run([sys.executable, str(helper), app.path, str(uid)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout == (f"refused: your uid {uid} is not allowed to connect; only uid "
                        f"{os.geteuid()} (the owner of process {app.pid}) and root may")
    assert app.client("info").returncode == 0


def test_client_refuses_a_console_run_by_someone_else(public_client):
    """A socket planted by another (non-root) user must not receive our commands: the client
    checks who serves the socket before it sends anything."""
    victim_uid, victim_gid = unprivileged_user("ewwtest")
    planter_uid, planter_gid = unprivileged_user("ewwtest2")
    d = tempfile.mkdtemp(prefix="eww-planted-")
    os.chmod(d, 0o777)
    path = os.path.join(d, "1.sock")
    planter = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(
            f"""
            import os, socket
            os.setegid({planter_gid})
            os.seteuid({planter_uid})  # SO_PEERCRED of a listener: the creds at listen()
            s = socket.socket(socket.AF_UNIX)
            s.bind({path!r})
            os.chmod({path!r}, 0o777)
            s.listen(1)
            print("LISTENING", flush=True)
            c, _ = s.accept()
            c.settimeout(5)
            try:
                got = c.recv(4096)
            except OSError:
                got = b""
            print("GOT", len(got), flush=True)
            """)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert planter.stdout.readline().strip() == "LISTENING"
        r = subprocess.run([public_client, "--socket", path, "info"], capture_output=True,
                           text=True, user=victim_uid, group=victim_gid, cwd="/", timeout=30)
        assert r.returncode == 2
        assert f"it is served by uid {planter_uid}, not by you (uid {victim_uid})" in r.stderr
        assert planter.stdout.readline().strip() == "GOT 0"  # not one byte was sent
    finally:
        planter.kill()
        planter.wait()
        shutil.rmtree(d)


def test_socket_file_is_never_group_or_world_accessible(app):
    mode = stat.S_IMODE(os.lstat(app.path).st_mode)
    assert mode & 0o077 == 0


@pytest.fixture
def short_tmp():
    """A directory of a short name, whatever pytest's --basetemp is: tests that nest a socket
    a few levels below it stay within the 107 bytes of a socket address."""
    d = pathlib.Path(tempfile.mkdtemp(prefix="eww-t-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_a_squatted_directory_falls_back_to_one_nobody_can_take(make_app, short_tmp):
    """Another user who makes <tmp>/eww-<uid> first cannot deny us a console: the app moves
    to a private <tmp>/eww-<uid>-XXXXXX (mkdtemp), and our client finds it there."""
    uid, gid = unprivileged_user()
    tmp = short_tmp
    os.chmod(tmp, 0o1777)  # like /tmp
    squat = tmp / f"eww-{os.geteuid()}"
    squat.mkdir(mode=0o700)
    os.chown(squat, uid, gid)
    env = {"TMPDIR": str(tmp), "EWW_SOCKET_DIR": "", "XDG_RUNTIME_DIR": ""}
    app = make_app(env=env)
    assert app.path != "None"
    home = os.path.dirname(app.path)
    assert home.startswith(f"{squat}-") and stat.S_IMODE(os.lstat(home).st_mode) == 0o700
    assert os.listdir(squat) == []
    r = app.client("info")
    assert r.returncode == 0 and f"pid:         {app.pid}" in r.stdout
    # a second app reuses the same fallback directory
    other = make_app(env=env)
    assert os.path.dirname(other.path) == home


def test_client_refuses_a_socket_of_another_process(make_app, sockdir):
    """A socket named after one pid but served by another process (a planted or moved one)
    is refused: the client checks the server's pid, not only the file name."""
    app = make_app()
    victim = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        os.link(app.path, sockdir / f"{victim.pid}.sock")
        r = subprocess.run([CLIENT, str(victim.pid), "info"], capture_output=True, text=True,
                           env=app.client_env, timeout=30)
        assert r.returncode == 2
        assert f"it is served by process {app.pid}" in r.stderr
        assert f"not by process {victim.pid}: someone else's socket" in r.stderr
    finally:
        victim.kill()
        victim.wait()


def test_root_client_is_not_hijacked_by_a_planted_socket():
    """root asking for another user's process looks only in that user's directories: a
    socket another user planted under <tmp>/eww-<anything>/<pid>.sock gets nothing."""
    victim_uid, victim_gid = unprivileged_user("ewwtest")
    planter_uid, planter_gid = unprivileged_user("ewwtest2")
    import pathlib
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="eww-tmp-"))  # reachable by the planter
    os.chmod(tmp, 0o1777)
    victim = subprocess.Popen(["sleep", "60"], user=victim_uid, group=victim_gid)
    planted_dir = tmp / "eww-aaa"
    planted_dir.mkdir(mode=0o700)
    os.chown(planted_dir, planter_uid, planter_gid)
    path = str(planted_dir / f"{victim.pid}.sock")
    planter = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(
            f"""
            import os, socket
            os.setegid({planter_gid})
            os.seteuid({planter_uid})
            s = socket.socket(socket.AF_UNIX)
            s.bind({path!r})
            s.listen(1)
            print("LISTENING", flush=True)
            s.settimeout(20)
            try:
                c, _ = s.accept()
                c.settimeout(5)
                got = c.recv(4096)
            except OSError:
                got = b""
            print("GOT", len(got), flush=True)
            """)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert planter.stdout.readline().strip() == "LISTENING"
        env = {k: v for k, v in os.environ.items() if k not in ("EWW_SOCKET_DIR",
                                                               "XDG_RUNTIME_DIR")}
        env["TMPDIR"] = str(tmp)
        r = subprocess.run([CLIENT, str(victim.pid), "info"], capture_output=True, text=True,
                           env=client_env(env), timeout=60)
        assert r.returncode == 2
        assert f"process {victim.pid} has no eww console" in r.stderr
        planter.kill()
        out = planter.communicate()[0]
        assert "GOT" not in out or "GOT 0" in out  # not one byte was sent
    finally:
        planter.kill()
        planter.wait()
        victim.kill()
        victim.wait()
        shutil.rmtree(tmp)


def test_another_users_process_is_named_as_such(public_client):
    uid, gid = unprivileged_user()
    r = subprocess.run([public_client, "1", "info"], capture_output=True, text=True, user=uid,
                       group=gid, cwd="/", timeout=30, env={"PATH": "/usr/bin:/bin"})
    assert r.returncode == 2
    assert "process 1 belongs to uid 0; only that user or root may connect" in r.stderr
