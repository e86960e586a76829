"""Drop-in for pympler.mprofile: `from eww import mprofile`.

MProfiler records, per code point (filename, function name, line number), how often it was
reached and the smallest and largest total size of all objects (muppy.get_size of
muppy.get_objects, eww's C walk) seen there. As pympler's: `memories[codepoint]` is
[calls, min size, max size, 0]; `codepoints` (None or a list of (file, function, line) with
None as a wildcard) and `events` (None or sys.setprofile event names) choose where it
measures.
"""

import inspect
import sys

from . import muppy


class MProfiler(object):
    """A memory usage profiler: run(cmd) executes cmd and fills `memories`."""

    def __init__(self, codepoints=None, events=None):
        self.memories = {}
        self.codepoints = codepoints
        self.events = events

    def codepoint_included(self, codepoint):
        """Whether codepoint matches one of `codepoints` (None matches anything)."""
        if self.codepoints is None:
            return True
        for cp in self.codepoints:
            if all(want is None or want == got for want, got in zip(cp, codepoint)):
                return True
        return False

    def profile(self, frame, event, arg):
        """The sys.setprofile hook: measures at matching code points and events."""
        if self.events is not None and event not in self.events:
            return
        info = inspect.getframeinfo(frame)
        cp = (info[0], info[2], info[1])
        if not self.codepoint_included(cp):
            return
        size = muppy.get_size(muppy.get_objects())
        seen = self.memories.get(cp)
        if seen is None:
            self.memories[cp] = [1, size, size, 0]
        else:
            seen[0] += 1
            seen[1] = min(seen[1], size)
            seen[2] = max(seen[2], size)

    def run(self, cmd):
        """Execute cmd (a string of Python) with the profiler on; returns self."""
        sys.setprofile(self.profile)
        try:
            exec(cmd)
        finally:
            sys.setprofile(None)
        return self
