"""Drop-in for pympler.process: `from eww import process` (was: `from pympler import process`).

ProcessMemoryInfo: the process's virtual size (vsz), resident set size (rss), major page
faults and segment sizes, as pympler reports them, read from /proc with eww's parsers
(`_eww.proc_stat_field`, `_eww.proc_status`, the C that `info` and `memory` use). Where
/proc is missing, `ps` and then getrusage are asked, as pympler does. The classes, names and
numbers are pympler 1.1's.
"""

import threading
from mmap import PAGESIZE
from os import getpid
from subprocess import PIPE, Popen

from . import _eww
from ._text import pp


class _ProcessMemoryInfo(object):
    """Process-level memory metrics: `vsz`, `rss`, `pagefaults`, and on Linux
    `data_segment`, `code_segment`, `shared_segment`, `stack_segment` (bytes). `available`
    says whether the platform gave them; subclasses implement update()."""

    pagesize = PAGESIZE

    def __init__(self):
        self.pid = getpid()
        self.rss = 0
        self.vsz = 0
        self.pagefaults = 0
        self.os_specific = []
        self.data_segment = 0
        self.code_segment = 0
        self.shared_segment = 0
        self.stack_segment = 0
        self.available = self.update()

    def __repr__(self):
        return "<%s vsz=%d rss=%d>" % (self.__class__.__name__, self.vsz, self.rss)

    def update(self):
        """Refresh the numbers; True when they are useful on this platform."""
        return False

    def __sub__(self, other):
        return [("Resident set size (delta)", self.rss - other.rss),
                ("Virtual size (delta)", self.vsz - other.vsz)]


ProcessMemoryInfo = _ProcessMemoryInfo


def is_available():
    """Whether this platform gives the process's memory numbers."""
    return ProcessMemoryInfo().update()


class _ProcessMemoryInfoPS(_ProcessMemoryInfo):
    def update(self):
        """vsz and rss from `ps` (macOS, Solaris, Linux)."""
        try:
            p = Popen(["/bin/ps", "-p%s" % self.pid, "-o", "rss,vsz"], stdout=PIPE, stderr=PIPE)
        except OSError:
            return False
        s = p.communicate()[0].split()
        if p.returncode == 0 and len(s) >= 2:
            self.vsz = int(s[-1]) * 1024
            self.rss = int(s[-2]) * 1024
            return True
        return False


class _ProcessMemoryInfoProc(_ProcessMemoryInfo):
    key_map = {
        "VmPeak": "Peak virtual memory size",
        "VmSize": "Virtual memory size",
        "VmLck": "Locked memory size",
        "VmHWM": "Peak resident set size",
        "VmRSS": "Resident set size",
        "VmStk": "Size of stack segment",
        "VmData": "Size of data segment",
        "VmExe": "Size of code segment",
        "VmLib": "Shared library code size",
        "VmPTE": "Page table entries size",
    }
    segments = {"VmData": "data_segment", "VmExe": "code_segment",
                "VmLib": "shared_segment", "VmStk": "stack_segment"}

    def update(self):
        """Numbers from /proc/self/stat and /proc/self/status (Linux)."""
        try:
            stat = open("/proc/self/stat")
            status = open("/proc/self/status")
        except IOError:
            return False
        try:
            stat_text, status_text = stat.read(), status.read()
        finally:
            stat.close()
            status.close()
        vsz = _eww.proc_stat_field(stat_text, 23)
        rss = _eww.proc_stat_field(stat_text, 24)
        faults = _eww.proc_stat_field(stat_text, 12)
        if vsz is None or rss is None or faults is None:
            return False
        self.vsz, self.rss, self.pagefaults = vsz, rss * self.pagesize, faults
        for key, size in _eww.proc_status(status_text):
            if key in self.segments:
                setattr(self, self.segments[key], size)
            if key in self.key_map:
                self.os_specific.append((self.key_map[key], pp(size)))
        return True


try:
    from resource import RUSAGE_SELF, getrusage

    class _ProcessMemoryInfoResource(_ProcessMemoryInfo):
        def update(self):
            """Numbers from getrusage (Unix; on Linux most are 0, rss is the peak)."""
            usage = getrusage(RUSAGE_SELF)
            self.rss = usage.ru_maxrss * 1024
            self.data_segment = usage.ru_idrss * 1024
            self.shared_segment = usage.ru_ixrss * 1024
            self.stack_segment = usage.ru_isrss * 1024
            self.vsz = self.data_segment + self.shared_segment + self.stack_segment
            self.pagefaults = usage.ru_majflt
            return self.rss != 0

    if _ProcessMemoryInfoProc().update():
        ProcessMemoryInfo = _ProcessMemoryInfoProc
    elif _ProcessMemoryInfoPS().update():
        ProcessMemoryInfo = _ProcessMemoryInfoPS
    elif _ProcessMemoryInfoResource().update():
        ProcessMemoryInfo = _ProcessMemoryInfoResource
except ImportError:  # no resource module: not a Unix
    pass


class ThreadInfo(object):
    """What is known of a live thread: ident, name, daemon."""

    def __init__(self, thread):
        self.ident = thread.ident
        self.name = thread.name
        self.daemon = thread.daemon


def get_current_threads():
    """ThreadInfo of each live thread."""
    return [ThreadInfo(thread) for thread in threading.enumerate()]


def get_current_thread_id():
    """The ident of the calling thread."""
    return threading.get_ident()
