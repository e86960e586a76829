"""The REPL that runs inside the app, for `repl` and `exec` in the console.

The C side (src/ext/repl.c) gives each session an `io` object: `write(text)`, `flush()`,
`readline(prompt)` (raises EOFError at Ctrl-D, KeyboardInterrupt at Ctrl-C). This module adds
the interactive semantics of the standard library (code.InteractiveConsole, hence codeop)
and routes the standard streams per thread:

- sys.stdout, sys.stderr, sys.stdin and sys.displayhook are wrapped once, the first time a
  REPL starts, by routers that send what a REPL thread writes to its client and pass
  everything else to the app's own stream, unchanged and in order. Nothing is swapped per
  statement; the app's output is never redirected.
- exit() and quit() end the REPL (the builtins would close the app's sys.stdin), and so do
  sys.exit() and SystemExit: never the app.
- Every statement raises the audit event "eww.repl.exec" (session id, source) first.
"""

import ast
import code
import io as _io
import sys
import threading
import traceback

import __main__

# Thread ident -> the io of the REPL running on that thread. Changed with the GIL held.
_routes = {}
_install_lock = threading.Lock()


class SessionLost(BaseException):
    """The client went away or stopped reading: the statement and the REPL end."""


class _Router:
    """Per-thread router in front of one of the app's streams."""

    def __init__(self, stream, kind):
        self._eww_stream = stream
        self._eww_kind = kind

    def _eww_target(self):
        return _routes.get(threading.get_ident())

    def write(self, s):
        target = _routes.get(threading.get_ident())
        if target is not None:
            return target.write(s)
        if self._eww_stream is None:
            return len(s)
        return self._eww_stream.write(s)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        target = self._eww_target()
        if target is not None:
            return target.flush()
        if self._eww_stream is not None:
            return self._eww_stream.flush()

    def readline(self, size=-1):
        target = self._eww_target()
        if target is not None:
            try:
                return target.readline("") + "\n"
            except EOFError:
                return ""
        return self._eww_stream.readline(size)

    def fileno(self):
        # input() in a REPL must not read the app's terminal: no file descriptor there.
        if self._eww_target() is not None or self._eww_stream is None:
            raise _io.UnsupportedOperation("fileno")
        return self._eww_stream.fileno()

    def isatty(self):
        if self._eww_target() is not None or self._eww_stream is None:
            return False
        return self._eww_stream.isatty()

    def __getattr__(self, name):
        return getattr(self._eww_stream, name)


class _DisplayRouter:
    """sys.displayhook for REPL threads echoes to the client and sets `_` in the REPL's
    namespace (the builtin hook would set builtins._, clobbering e.g. gettext's _)."""

    def __init__(self, hook):
        self._eww_hook = hook

    def __call__(self, value):
        target = _routes.get(threading.get_ident())
        if target is None:
            return self._eww_hook(value)
        if value is None:
            return
        target.write(repr(value) + "\n")
        namespace = getattr(target, "namespace", None)
        if namespace is not None:
            namespace["_"] = value


def _install_routers():
    with _install_lock:
        for name, kind in (("stdout", "out"), ("stderr", "err"), ("stdin", "in")):
            stream = getattr(sys, name)
            if not isinstance(stream, _Router):
                setattr(sys, name, _Router(stream, kind))
        if not isinstance(sys.displayhook, _DisplayRouter):
            sys.displayhook = _DisplayRouter(sys.displayhook)


class _Quitter:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"Use {self.name}() or Ctrl-D (i.e. EOF) to leave the REPL"

    def __call__(self, code=None):
        raise SystemExit(code)


def _namespace():
    ns = dict(vars(__main__))
    ns["exit"] = _Quitter("exit")
    ns["quit"] = _Quitter("quit")
    return ns


def _end_session(io, holder):
    """Leave nothing of the session behind: break the links between the session's objects
    (ReplIO is not tracked by the gc, so a cycle through it would never be freed) and, when
    the session defined functions or classes (which refer back to its namespace, a cycle),
    collect them now rather than at some later collection. What the user stored in the app
    stays, with the namespace its functions need. holder: a list with the namespace, its
    last reference outside the session's own objects."""
    ns = holder.pop()
    io.complete_with = None
    io.namespace = None
    for name in ("exit", "quit"):
        if isinstance(ns.get(name), _Quitter):
            del ns[name]
    # references: ours and getrefcount's argument; any other is the session's own cycle
    # (or something the app now keeps, which the collection leaves alone)
    cyclic = sys.getrefcount(ns) > 2
    del ns
    if cyclic:
        import gc

        gc.collect()


class _Console(code.InteractiveConsole):
    def __init__(self, io, session_id, quiet):
        super().__init__(locals=_namespace(), filename="<console>")
        self.quiet = quiet
        self.io = io
        self.io.namespace = self.locals
        self.io.complete_with = lambda text: complete(self.locals, text)
        self.session_id = session_id
        self.had_error = False
        self.exited = False

    def raw_input(self, prompt=""):
        return self.io.readline(prompt)

    # code.InteractiveInterpreter keeps the last error in sys.last_type/last_value/
    # last_traceback (and 3.12's sys.last_exc): those are the app's, and a traceback would
    # keep this console and its namespace alive after the session. Show it, keep nothing.
    def showtraceback(self):
        etype, value, tb = sys.exc_info()
        try:
            self.write("".join(traceback.format_exception(etype, value, tb.tb_next)))
        finally:
            del etype, value, tb

    def showsyntaxerror(self, filename=None):
        etype, value, _ = sys.exc_info()
        try:
            if filename and etype is SyntaxError:
                try:
                    value.filename = filename
                except Exception:
                    pass
            self.write("".join(traceback.format_exception_only(etype, value)))
        finally:
            del etype, value

    def write(self, data):
        self.io.write(data)

    def runsource(self, source, filename="<input>", symbol="single"):
        try:
            code_obj = self.compile(source, filename, symbol)
        except (OverflowError, SyntaxError, ValueError):
            self.showsyntaxerror(filename)
            self.had_error = True
            return False
        if code_obj is None:
            return True
        sys.audit("eww.repl.exec", self.session_id, source)
        self.runcode(code_obj)
        return False

    def runcode(self, code_obj):
        try:
            exec(code_obj, self.locals)
        except SystemExit:
            self.exited = True
            raise
        except SessionLost:
            raise
        except KeyboardInterrupt:
            self.showtraceback()  # Ctrl-C: shown, but not a failure of the session
        except BaseException:
            self.had_error = True
            self.showtraceback()
        finally:
            try:
                self.io.flush()
            except SessionLost:
                raise


    def interact_loop(self):
        """code.InteractiveConsole.interact without its side effects (it sets sys.ps1 for
        the whole process) and, when quiet, without any output of its own."""
        more = False
        while True:
            try:
                try:
                    line = self.raw_input("... " if more else ">>> ")
                except EOFError:
                    if not self.quiet:
                        self.write("\n")
                    return
                more = self.push(line)
            except KeyboardInterrupt:
                self.write("\nKeyboardInterrupt\n")
                self.resetbuffer()
                more = False


def run(io, session_id, interactive):
    """The REPL of one session; returns 0, or 1 when a statement raised. Not interactive
    (repl -q): no banner, only what the code prints."""
    _install_routers()
    me = threading.get_ident()
    _routes[me] = io
    console = _Console(io, session_id, quiet=not interactive)
    try:
        if interactive:
            io.write("Dropping to REPL...\n"
                     f"Python {sys.version} on {sys.platform}\n"
                     "Note: This interpreter is running *inside* of your application.  "
                     "Be careful.\n")
        try:
            console.interact_loop()
        except SystemExit:
            pass
        if interactive:
            io.write("Exiting REPL...\n")
        io.flush()
    except SessionLost:
        pass
    finally:
        _routes.pop(me, None)
        holder, console.locals = [console.locals], None
        _end_session(io, holder)
    return 1 if console.had_error else 0


def _compile_exec(source):
    """The code objects of `exec CODE`: the block as a script, except that a last statement
    that is an expression is compiled as the REPL compiles it (mode "single"), so its value
    is echoed as at `>>>`."""
    tree = ast.parse(source, "<exec>", "exec")
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return [compile(tree, "<exec>", "exec")]
    head = ast.Module(body=tree.body[:-1], type_ignores=[])
    last = ast.Interactive(body=tree.body[-1:])
    return [compile(head, "<exec>", "exec"), compile(last, "<exec>", "single")]


def run_exec(io, session_id, source):
    """`exec CODE`: run a block of code like a script; 0, or 1 when it raised."""
    _install_routers()
    me = threading.get_ident()
    _routes[me] = io
    ns = _namespace()
    io.namespace = ns
    status = 0
    try:
        try:
            codes = _compile_exec(source)
        except (OverflowError, SyntaxError, ValueError):
            etype, value, _ = sys.exc_info()
            io.write("".join(traceback.format_exception_only(etype, value)))
            del etype, value
            return 1
        sys.audit("eww.repl.exec", session_id, source)
        try:
            for code_obj in codes:
                exec(code_obj, ns)
        except SystemExit as exc:
            status = 0 if exc.code in (None, 0) else 1
        except SessionLost:
            return 1
        except BaseException:
            etype, value, tb = sys.exc_info()
            io.write("".join(traceback.format_exception(etype, value, tb.tb_next)))
            del etype, value, tb
            status = 1
        io.flush()
    except SessionLost:
        status = 1
    finally:
        _routes.pop(me, None)
        holder = [ns]
        del ns
        _end_session(io, holder)
    return status


def evaluate(session_id, source):
    """`size -e EXPR`: the value of an expression, evaluated as at the REPL's prompt (in a
    copy of __main__'s namespace), after the audit event the REPL raises for a statement.
    Its exceptions are the caller's to report."""
    try:
        code_obj = compile(source, "<eww size>", "eval")
    except (OverflowError, SyntaxError, ValueError) as exc:
        raise EvalError(_exception_text(exc)) from None
    sys.audit("eww.repl.exec", session_id, source)
    try:
        return eval(code_obj, _namespace())
    except Exception as exc:
        raise EvalError(_exception_text(exc)) from None


class EvalError(Exception):
    """An expression that did not compile or raised: the text says how, as Python would."""


def _exception_text(exc):
    if isinstance(exc, SyntaxError):  # one line: where in the expression, not which file
        return "SyntaxError: %s%s" % (exc.msg, " at column %d" % exc.offset if exc.offset else "")
    return "".join(traceback.format_exception_only(type(exc), exc)).rstrip()


def complete(namespace, text, limit=200):
    """Completions of text in the REPL's namespace (rlcompleter, evaluated in the app)."""
    import rlcompleter

    completer = rlcompleter.Completer(namespace)
    out = []
    for state in range(limit):
        try:
            word = completer.complete(text, state)
        except Exception:
            break
        if word is None:
            break
        out.append(word)
    return out

