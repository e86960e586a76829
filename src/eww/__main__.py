"""``python -m eww``: run a program with the console embedded, or the demo.

    python -m eww app.py [args...]     run a script, as ``python app.py args...`` would
    python -m eww -m module [args...]  run a module, as ``python -m module args...`` would
    python -m eww demo                 a short guided tour on a bundled leaky program
"""

import os
import runpy
import sys

USAGE = """\
usage: python -m eww SCRIPT [ARGS...]      run SCRIPT with the eww console embedded
       python -m eww -m MODULE [ARGS...]   run a module with the console embedded
       python -m eww demo [--out DIR]      a guided tour on a bundled leaky program
                                           (a script named demo: python -m eww ./demo)

Then connect from another terminal with: eww
"""


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        sys.stdout.write(USAGE)
        return 0 if argv else 2
    if argv[0] == "--version":
        import eww

        print(f"eww {eww.__version__}")
        return 0
    if argv[0] == "demo":  # always the tour; a script of that name runs as ./demo
        from eww import demo

        return demo.main(argv[1:])

    import eww

    if argv[0] == "-m":
        if len(argv) < 2:
            sys.stderr.write("python -m eww: -m needs a module name\n")
            return 2
        sys.argv = argv[1:]
        eww.embed()
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        return 0

    script = argv[0]
    if not os.path.exists(script):
        sys.stderr.write(f"python -m eww: can't open file {script!r}: no such file\n")
        return 2
    sys.argv = argv[:]
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    eww.embed()
    runpy.run_path(script, run_name="__main__")
    return 0


if __name__ == "__main__":
    # SystemExit from the script passes through untouched, so its exit status is kept;
    # an uncaught exception prints its traceback and exits 1, as `python app.py` would.
    sys.exit(main(sys.argv[1:]))
