"""eww: find memory leaks in running Python programs.

Add ``import eww; eww.embed()`` to a long-running program (or start it with
``python -m eww app.py``), then run ``eww`` from another terminal to reach a console
running inside it.

This package is the thin Python surface; the console, protocol and client are C
(``eww._eww`` and the ``eww`` command).
"""

import atexit
import os
import sys

# Imported here, by the thread that imports eww (the app's main thread): `threading` takes
# whichever thread imports it first for the main thread, and if that were a console session
# (the REPL imports it) the app's exit would wait for that session forever (bpo-1596321).
import threading  # noqa: F401
import warnings

from . import _eww
from ._eww import decr, graph, incr, memory_consumption, put

__version__ = _eww.__version__
PROTOCOL_VERSION = _eww.PROTOCOL_VERSION

__all__ = [
    "embed",
    "remove",
    "incr",
    "decr",
    "put",
    "graph",
    "memory_consumption",
    "socket_path",
    "__version__",
]

_DEFAULTS = {
    "path": None,
    "max_sessions": 128,
    "handshake_timeout": 5.0,
    "max_datapoints": 500,
    "max_names": 1000,
    "sample_memory": None,
    "client_timeout": 30.0,
    "snapshot": True,
    "snapshot_memory": None,
}
_hooks_installed = False


def _program_name():
    argv0 = sys.argv[0] if sys.argv and sys.argv[0] else ""
    if argv0 in ("", "-c", "-m"):
        return os.path.basename(sys.executable or "python") or "python"
    return os.path.basename(argv0)


def _start(options):
    return _eww.start(
        path=options["path"],
        max_sessions=options["max_sessions"],
        handshake_timeout=options["handshake_timeout"],
        max_datapoints=options["max_datapoints"],
        max_names=options["max_names"],
        sample_memory=float(options["sample_memory"] or 0),
        client_timeout=float(options["client_timeout"]),
        program=_program_name(),
        argv=[str(a) for a in sys.argv],
        python=" ".join(sys.version.split()),
        executable=sys.executable or "",
        snapshot=bool(options["snapshot"]),
        snapshot_memory=int(options["snapshot_memory"] or 0),
    )


def _after_fork_child():
    try:
        _eww.after_fork_child()
    except OSError as exc:
        warnings.warn(f"eww: console not started in forked child: {exc}", RuntimeWarning)


def _install_hooks():
    global _hooks_installed
    if _hooks_installed:
        return
    # Stop before interpreter finalisation: sessions closed, socket removed.
    atexit.register(remove)
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_after_fork_child)
    _hooks_installed = True


def embed(**options):
    """Start the console inside this process.

    Options:
      ``path``: the socket path (default ``$EWW_SOCKET_DIR``, ``$XDG_RUNTIME_DIR/eww`` or
        ``/tmp/eww-<uid>``, named ``<pid>.sock``)
      ``max_sessions``: clients at once (default 128)
      ``handshake_timeout``: seconds a new connection has to greet (default 5)
      ``max_datapoints``: points each graph keeps; older ones are dropped and counted
        (default 500)
      ``max_names``: distinct counter and graph names (default 1000)
      ``sample_memory``: record the RSS into the graph ``memory`` every so many seconds,
        from a native thread (default: off)
      ``client_timeout``: seconds a client may leave the console's output unread before
        its session is ended (default 30)
      ``snapshot``: answer heap commands (summary, diff, growth, chain, backrefs, leaking)
        on a forked copy of the process, so that the app runs on meanwhile (default True;
        False walks the live heap with the GIL held, as pympler and objgraph do)
      ``snapshot_memory``: MiB of its own memory (copy-on-write) the copy may reach before
        it is stopped (default: the larger of 1024 and twice the app's RSS, at most 80% of
        the memory available, or of what the app's memory cgroup's limit leaves)

    Calling it again while the console runs does nothing. With ``EWW_DISABLE=1`` in the
    environment it does nothing at all. If the console cannot start (for example the socket
    directory fails its safety check) a RuntimeWarning says why and the program goes on.

    Returns the socket path, or None when the console is not running.
    """
    unknown = set(options) - set(_DEFAULTS)
    if unknown:
        raise TypeError(f"embed() got unexpected option(s): {', '.join(sorted(unknown))}")
    if os.environ.get("EWW_DISABLE", "") not in ("", "0"):
        return None
    merged = dict(_DEFAULTS, **options)
    if merged["path"] is not None:
        merged["path"] = os.fspath(merged["path"])
        if not isinstance(merged["path"], str):
            raise TypeError("path must be a str or os.PathLike of str")
        merged["path"] = os.path.abspath(merged["path"])
    for key in ("max_sessions", "max_datapoints", "max_names"):
        if not isinstance(merged[key], int) or isinstance(merged[key], bool):
            raise TypeError(f"{key} must be an int")
    if not isinstance(merged["snapshot"], bool):
        raise TypeError("snapshot must be True or False")
    value = merged["snapshot_memory"]
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise TypeError("snapshot_memory must be a number of MiB (an int) or None")
    for key in ("handshake_timeout", "sample_memory", "client_timeout"):
        value = merged[key]
        if value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool)):
            raise TypeError(f"{key} must be a number of seconds")
    _install_hooks()
    try:
        return _start(merged)
    except ValueError:
        raise  # a bad option value is the caller's mistake: say so
    except OSError as exc:
        warnings.warn(f"eww: console not started: {exc}", RuntimeWarning, stacklevel=2)
        return None


def remove():
    """Stop the console: close every session and remove the socket. Harmless when stopped."""
    _eww.stop()


def socket_path():
    """The console's socket path, or None when it is not running in this process."""
    return _eww.socket_path()


def client_path():
    """Path of the ``eww`` client installed with this package (None if not found)."""
    import shutil
    import sysconfig

    for scheme_dir in (sysconfig.get_path("scripts"), os.path.dirname(sys.executable)):
        candidate = os.path.join(scheme_dir or "", "eww")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("eww")
