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
import warnings

from . import _eww

__version__ = _eww.__version__
PROTOCOL_VERSION = _eww.PROTOCOL_VERSION

__all__ = ["embed", "remove", "socket_path", "__version__"]

_DEFAULTS = {"path": None, "max_sessions": 128, "handshake_timeout": 5.0}
_hooks_installed = False


def _program_name():
    argv0 = sys.argv[0] if sys.argv and sys.argv[0] else ""
    if argv0 in ("", "-c", "-m"):
        return os.path.basename(sys.executable or "python") or "python"
    return os.path.basename(argv0)


def _start(options):
    return _eww.start(
        options["path"],
        options["max_sessions"],
        options["handshake_timeout"],
        _program_name(),
        [str(a) for a in sys.argv],
        " ".join(sys.version.split()),
        sys.executable or "",
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

    Options: ``path`` (socket path; default ``$EWW_SOCKET_DIR``, ``$XDG_RUNTIME_DIR/eww`` or
    ``/tmp/eww-<uid>``, named ``<pid>.sock``), ``max_sessions`` (default 128),
    ``handshake_timeout`` (seconds a new connection has to greet, default 5).

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
    if not isinstance(merged["max_sessions"], int) or isinstance(merged["max_sessions"], bool):
        raise TypeError("max_sessions must be an int")
    if not isinstance(merged["handshake_timeout"], (int, float)):
        raise TypeError("handshake_timeout must be a number of seconds")
    _install_hooks()
    try:
        return _start(merged)
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
