"""Drop-in for pympler.classtracker: `from eww.classtracker import ClassTracker`.

ClassTracker follows chosen objects, or every new instance of chosen classes, through their
lives: a weak reference notes when each dies, and create_snapshot() sizes every live one
with eww.asizeof (the C sizing loop; numbers equal pympler's), each object counted once
across all of them, and records the process's memory (eww.process). Background snapshots
run in a daemon thread; `stats` gives a ConsoleStats for the reports. API, names and
numbers are pympler 1.1's (Pympler, Apache License 2.0). Where eww differs: a tracker
stopping its background thread does not wait out the interval.
"""

import threading
from collections import defaultdict
from functools import partial
from inspect import isclass, stack
from time import time
from weakref import ref as weakref_ref

from . import asizeof, process
from ._text import safe_repr
from .classtracker_stats import ConsoleStats

__all__ = ["ClassTracker"]

_local_start = time()  # timestamps are seconds since this module was imported


class _ClassObserver(object):
    """The options of a tracked class and its original constructor."""

    __slots__ = ("init", "name", "detail", "keep", "trace")

    def __init__(self, init, name, detail, keep, trace):
        self.init = init
        self.modify(name, detail, keep, trace)

    def modify(self, name, detail, keep, trace):
        self.name = name
        self.detail = detail
        self.keep = keep
        self.trace = trace


def _get_time():
    """Seconds since the start of the program (of this module's import)."""
    return time() - _local_start


class TrackedObject(object):
    """Size and lifetime of one tracked object, held by a weak reference: `snapshots` is a
    list of (timestamp, Asized); `death` is set when the object dies."""

    __slots__ = ("ref", "id", "repr", "name", "birth", "death", "trace", "snapshots",
                 "_resolution_level", "__dict__")

    def __init__(self, instance, name, resolution_level=0, trace=False, on_delete=None):
        self.ref = weakref_ref(instance, self.finalize)
        self.id = id(instance)
        self.repr = ""
        self.name = name
        self.birth = _get_time()
        self.death = None
        self._resolution_level = resolution_level
        self.trace = None
        if trace:
            self._save_trace()
        initial_size = asizeof.basicsize(instance) or 0
        size = asizeof.Asized(initial_size, initial_size)
        self.snapshots = [(self.birth, size)]
        self.on_delete = on_delete

    def __getstate__(self):
        """The slots but the weak reference, for Stats.dump_stats (pickle)."""
        return {name: getattr(self, name) for name in TrackedObject.__slots__
                if name not in ("ref", "__dict__") and hasattr(self, name)}

    def __setstate__(self, state):
        for key, value in list(state.items()):
            setattr(self, key, value)

    def _save_trace(self):
        """The stack where the object was made, outermost first, without eww's frames."""
        stack_trace = stack()
        try:
            self.trace = [frm[1:] for frm in reversed(stack_trace[5:])]
        finally:
            del stack_trace

    def track_size(self, ts, sizer):
        """Size the object now with sizer (which skips the other tracked objects)."""
        obj = self.ref()
        self.snapshots.append((ts, sizer.asized(obj, detail=self._resolution_level)))
        if obj is not None:
            self.repr = safe_repr(obj, clip=128)

    def get_max_size(self):
        """The largest size measured."""
        return max([s.size for (_, s) in self.snapshots])

    def get_size_at_time(self, timestamp):
        """The size measured at the snapshot of this timestamp; 0 if none."""
        size = 0
        for (t, s) in self.snapshots:
            if t == timestamp:
                size = s.size
        return size

    def set_resolution_level(self, resolution_level):
        """How deep referents are sized one by one from the next snapshot on."""
        self._resolution_level = resolution_level

    def finalize(self, ref):
        """The weak reference's callback: note the time of death."""
        try:
            self.death = _get_time()
            if self.on_delete:
                self.on_delete()
        except Exception:  # at interpreter exit modules may be gone
            pass


def track_object_creation(time_series):
    num_instances = time_series[-1][1] if time_series else 0
    time_series.append((_get_time(), num_instances + 1))


def track_object_deletion(time_series):
    num_instances = time_series[-1][1]
    time_series.append((_get_time(), num_instances - 1))


class PeriodicThread(threading.Thread):
    """The daemon thread of start_periodic_snapshots: a snapshot every `interval` seconds."""

    def __init__(self, tracker, interval, *args, **kwargs):
        self.interval = interval
        self.tracker = tracker
        self._halt = threading.Event()
        super(PeriodicThread, self).__init__(*args, **kwargs)

    @property
    def stop(self):
        return self._halt.is_set()

    @stop.setter
    def stop(self, value):
        if value:
            self._halt.set()
        else:
            self._halt.clear()

    def run(self):
        while not self._halt.is_set():
            self.tracker.create_snapshot()
            self._halt.wait(self.interval)


class Snapshot(object):
    """Sizes of the tracked objects and of the process at one instant."""

    def __init__(self, timestamp, description=""):
        self.tracked_total = 0
        self.asizeof_total = 0
        self.overhead = 0
        self.timestamp = timestamp
        self.system_total = process.ProcessMemoryInfo()
        self.desc = description
        self.classes = None

    @property
    def total(self):
        """The process's virtual size, or the best number known without it."""
        if self.system_total.available:
            return self.system_total.vsz
        if self.asizeof_total:
            return self.asizeof_total
        return self.tracked_total

    @property
    def label(self):
        """'desc (1.234s)', or the timestamp alone."""
        if not self.desc:
            return "%.3fs" % self.timestamp
        return "%s (%.3fs)" % (self.desc, self.timestamp)


class ClassTracker(object):
    """Tracks objects and classes; `stats` reports on what it gathered (to `stream`)."""

    def __init__(self, stream=None):
        self.index = defaultdict(list)  # name -> [TrackedObject], the dead included
        self.objects = {}  # id -> TrackedObject; a dead one is replaced when its id is reused
        self.snapshots = []
        self.history = defaultdict(list)  # name -> [(time, instances)]
        self._keepalive = []
        self._observers = {}  # class -> _ClassObserver
        self._periodic_thread = None
        self._stream = stream

    @property
    def stats(self):
        """A ConsoleStats of what the tracker gathered so far."""
        return ConsoleStats(tracker=self, stream=self._stream)

    def _tracker(self, _observer_, _self_, *args, **kwds):
        """The constructor injected into tracked classes: track, then construct."""
        self.track_object(_self_, name=_observer_.name, resolution_level=_observer_.detail,
                          keep=_observer_.keep, trace=_observer_.trace)
        _observer_.init(_self_, *args, **kwds)

    def _inject_constructor(self, cls, func, name, resolution_level, keep, trace):
        try:
            constructor = cls.__init__
        except AttributeError:
            def constructor(self, *_args, **_kwargs):
                pass
        observer = _ClassObserver(constructor, name, resolution_level, keep, trace)
        self._observers[cls] = observer

        def new_constructor(*args, **kwargs):
            return func(observer, *args, **kwargs)

        cls.__init__ = new_constructor

    def _is_tracked(self, cls):
        return cls in self._observers

    def _track_modify(self, cls, name, detail, keep, trace):
        self._observers[cls].modify(name, detail, keep, trace)

    def _restore_constructor(self, cls):
        cls.__init__ = self._observers[cls].init
        del self._observers[cls]

    def track_change(self, instance, resolution_level=0):
        """Change the resolution level of a tracked object (KeyError if it is not)."""
        self.objects[id(instance)].set_resolution_level(resolution_level)

    def track_object(self, instance, name=None, resolution_level=0, keep=False, trace=False):
        """Track one object (it must take weak references: TypeError otherwise).
        resolution_level: how many levels of referents are sized one by one; keep: hold it
        alive; trace: record the stack where it was made."""
        known = self.objects.get(id(instance))
        if known is not None and known.ref() is not None:
            return
        name = name if name else instance.__class__.__name__
        track_object_creation(self.history[name])
        on_delete = partial(track_object_deletion, self.history[name])
        tobj = TrackedObject(instance, name, resolution_level=resolution_level, trace=trace,
                             on_delete=on_delete)
        self.index[name].append(tobj)
        self.objects[id(instance)] = tobj
        if keep:
            self._keepalive.append(instance)

    def track_class(self, cls, name=None, resolution_level=0, keep=False, trace=False):
        """Track every instance of cls made from now on (its constructor is wrapped).
        name defaults to 'module.Class'; called again, it changes the options."""
        if not isclass(cls):
            raise TypeError("only class objects can be tracked")
        if name is None:
            name = cls.__module__ + "." + cls.__name__
        if self._is_tracked(cls):
            self._track_modify(cls, name, resolution_level, keep, trace)
        else:
            self._inject_constructor(cls, self._tracker, name, resolution_level, keep, trace)

    def detach_class(self, cls):
        """Stop tracking new instances of cls (its constructor is restored)."""
        self._restore_constructor(cls)

    def detach_all_classes(self):
        for cls in list(self._observers.keys()):
            self.detach_class(cls)

    def detach_all(self):
        """Detach from every class and object; forget them."""
        self.detach_all_classes()
        self.objects.clear()
        self.index.clear()
        self._keepalive[:] = []

    def clear(self):
        """detach_all(), and forget the snapshots."""
        self.detach_all()
        self.snapshots[:] = []

    def close(self):
        """Detach from the tracked classes (for contextlib.closing)."""
        self.detach_all_classes()

    def start_periodic_snapshots(self, interval=1.0):
        """Take a snapshot every interval seconds in a daemon thread (or change the
        interval of the one running)."""
        if not self._periodic_thread:
            self._periodic_thread = PeriodicThread(self, interval, name="BackgroundMonitor")
            self._periodic_thread.daemon = True
            self._periodic_thread.start()
        else:
            self._periodic_thread.interval = interval

    def stop_periodic_snapshots(self):
        """Stop the background snapshots and wait for the thread to end."""
        if self._periodic_thread and self._periodic_thread.is_alive():
            self._periodic_thread.stop = True
            self._periodic_thread.join()
            self._periodic_thread = None

    snapshot_lock = threading.Lock()

    def create_snapshot(self, description="", compute_total=False):
        """Size every tracked object, and record the process's memory and the tracker's own
        overhead. compute_total also sizes everything asizeof can reach (slow on big
        heaps)."""
        with self.snapshot_lock:
            timestamp = _get_time()
            sizer = asizeof.Asizer()
            objs = [tobj.ref() for tobj in list(self.objects.values())]
            sizer.exclude_refs(*objs)
            # Sized in order of birth, so that what two share is counted with the first.
            tracked_objects = sorted(self.objects.values(), key=lambda x: x.birth)
            for tobj in tracked_objects:
                tobj.track_size(timestamp, sizer)
            snapshot = Snapshot(timestamp, str(description))
            snapshot.tracked_total = sizer.total
            if compute_total:
                snapshot.asizeof_total = asizeof.asizeof(all=True, code=True)
            snapshot.overhead = 0
            if snapshot.tracked_total:
                snapshot.overhead = sizer.asizeof(self)
                if snapshot.asizeof_total:
                    snapshot.asizeof_total -= snapshot.overhead
            self.snapshots.append(snapshot)
