"""Drop-in for pympler.garbagegraph: GarbageGraph, the reference cycles the collector finds.

GarbageGraph runs a collection with gc.DEBUG_SAVEALL (collectable=True) so that what the
collector would free is kept in gc.garbage, and shows it as a ReferenceGraph (eww.refgraph:
sizes by eww.asizeof, drawn with Graphviz); print_stats() lists it. API and formats are
pympler 1.1's. Like pympler's, it changes the app's gc debug flags until end_debug_garbage();
the console's `garbage` command answers the same question without touching the app.
"""

import gc
import sys

from ._text import pp, trunc
from .refgraph import ReferenceGraph

__all__ = ["GarbageGraph", "start_debug_garbage", "end_debug_garbage"]


class GarbageGraph(ReferenceGraph):
    """The objects of gc.garbage after a collection and the references among them;
    reduce=True keeps only those in cycles; collectable=False only the uncollectable."""

    def __init__(self, reduce=False, collectable=True):
        gc.set_debug(gc.DEBUG_SAVEALL if collectable else 0)
        gc.collect()
        ReferenceGraph.__init__(self, gc.garbage, reduce)

    def print_stats(self, stream=None):
        """One line per garbage object, largest first, then the totals."""
        if not stream:
            stream = sys.stdout
        self.metadata.sort(key=lambda x: -x.size)
        stream.write("%-10s %8s %-12s %-46s\n" % ("id", "size", "type", "representation"))
        for g in self.metadata:
            stream.write("0x%08x %8d %-12s %-46s\n" % (g.id, g.size, trunc(g.type, 12),
                                                       trunc(g.str, 46)))
        stream.write("Garbage: %8d collected objects (%s in cycles): %12s\n" % (
            self.count, self.num_in_cycles, pp(self.total_size)))


def start_debug_garbage():
    """Collect, then turn the collector off, so that cycles made from now on stay."""
    gc.collect()
    gc.disable()


def end_debug_garbage():
    """Turn the collector back on and its debug flags off."""
    gc.set_debug(0)
    gc.enable()
