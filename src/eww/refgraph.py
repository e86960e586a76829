"""Drop-in for pympler.refgraph: ReferenceGraph, the references among a set of objects.

The graph's nodes are the objects given, its edges the references among them (labelled with
the dict key or attribute name), each node annotated with its deep size (eww.asizeof), type
and repr. render() draws it with Graphviz (`dot`), write_graph() writes the DOT text, split()
yields the connected parts. API and DOT text are pympler 1.1's (Pympler, Apache License 2.0).
Where eww differs: split() finds connected parts with a union-find over the edges, so every
part is whole (pympler's one pass over the nodes can leave a part cut in two), in linear
time; reduce_to_cycles() likewise drops leaves in one pass per round over sets of ids.
"""

from copy import copy
from gc import get_referents
from subprocess import PIPE, Popen
from sys import platform

from ._text import safe_repr, trunc
from .asizeof import Asizer, named_refs

__all__ = ["ReferenceGraph"]

popen_flags = {}
if platform not in ["win32"]:
    popen_flags["close_fds"] = True


class _MetaObject(object):
    """What is shown of one object: size, id, type name, repr, group, in a cycle."""

    __slots__ = ("size", "id", "type", "str", "group", "cycle")

    def __init__(self):
        self.cycle = False


class _Edge(object):
    """A reference from the object of id `src` to that of id `dst`, named `label`."""

    __slots__ = ("src", "dst", "label", "group")

    def __init__(self, src, dst, label):
        self.src = src
        self.dst = dst
        self.label = label
        self.group = None

    def __repr__(self):
        return "<%08x => %08x, '%s', %s>" % (self.src, self.dst, self.label, self.group)

    def __hash__(self):
        return (self.src, self.dst, self.label).__hash__()

    def __eq__(self, other):
        return self.__hash__() == other.__hash__()


class ReferenceGraph(object):
    """The references among `objects`; reduce=True keeps only the objects in cycles."""

    def __init__(self, objects, reduce=False):
        self.objects = list(objects)
        self.count = len(self.objects)
        self.num_in_cycles = "N/A"
        self.edges = None
        if reduce:
            self.num_in_cycles = self._reduce_to_cycles()
            self._reduced = self
        else:
            self._reduced = None
        self._get_edges()
        self._annotate_objects()

    def _eliminate_leafs(self, graph):
        """The objects of graph that refer to at least one object of graph."""
        idset = set(id(x) for x in graph)
        return [n for n in graph if any(id(x) in idset for x in get_referents(n))]

    def _reduce_to_cycles(self):
        """Drop leaves until none is left: what remains builds cycles. Returns its size."""
        cycles = self.objects[:]
        cnt = -1
        while cnt != len(cycles):
            cnt = len(cycles)
            cycles = self._eliminate_leafs(cycles)
        self.objects = cycles
        return len(self.objects)

    def reduce_to_cycles(self):
        """A copy of the graph with only the objects in cycles; None if there are none."""
        if not self._reduced:
            reduced = copy(self)
            reduced.objects = self.objects[:]
            reduced.metadata = []
            reduced.edges = []
            self.num_in_cycles = reduced._reduce_to_cycles()
            reduced.num_in_cycles = self.num_in_cycles
            if self.num_in_cycles:
                reduced._get_edges()
                reduced._annotate_objects()
                for meta in reduced.metadata:
                    meta.cycle = True
            else:
                reduced = None
            self._reduced = reduced
        return self._reduced

    def _get_edges(self):
        """self.edges: an _Edge for each reference between two of the objects."""
        idset = set(id(x) for x in self.objects)
        self.edges = set()
        for n in self.objects:
            refset = set(id(x) for x in get_referents(n))
            for ref in refset.intersection(idset):
                label = ""
                members = n.items() if isinstance(n, dict) else None
                if not members:
                    members = named_refs(n)
                for (k, v) in members:
                    if id(v) == ref:
                        label = k
                        break
                self.edges.add(_Edge(id(n), ref, label))

    def _annotate_groups(self):
        """Number the connected parts (in order of their first object) into x.group."""
        parent = {x.id: x.id for x in self.metadata}

        def find(i):
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for e in self.edges:
            a, b = find(e.src), find(e.dst)
            if a != b:
                parent[b] = a
        number = {}
        for x in self.metadata:
            x.group = number.setdefault(find(x.id), len(number))
        by_id = {x.id: x for x in self.metadata}
        for e in self.edges:
            e.group = by_id[e.src].group
        self._max_group = len(number)

    def _filter_group(self, group):
        """Keep only the objects and edges of `group`; False if it is empty."""
        self.metadata = [x for x in self.metadata if x.group == group]
        group_set = set(x.id for x in self.metadata)
        self.objects = [obj for obj in self.objects if id(obj) in group_set]
        self.count = len(self.metadata)
        if self.metadata == []:
            return False
        self.edges = [e for e in self.edges if e.group == group]
        del self._max_group
        return True

    def split(self):
        """Yield a graph per connected part (shallow copies sharing the objects)."""
        self._annotate_groups()
        index = 0
        for group in range(self._max_group):
            subgraph = copy(self)
            subgraph.metadata = self.metadata[:]
            subgraph.edges = self.edges.copy()
            if subgraph._filter_group(group):
                subgraph.total_size = sum([x.size for x in subgraph.metadata])
                subgraph.index = index
                index += 1
                yield subgraph

    def split_and_sort(self):
        """The connected parts, the one with the most objects first."""
        graphs = list(self.split())
        graphs.sort(key=lambda x: -len(x.metadata))
        for index, graph in enumerate(graphs):
            graph.index = index
        return graphs

    def _annotate_objects(self):
        """self.metadata: size (each object counted once), id, type and repr of each."""
        self.metadata = []
        sizer = Asizer()
        sizes = sizer.asizesof(*self.objects)
        self.total_size = sizer.total
        for obj, sz in zip(self.objects, sizes):
            md = _MetaObject()
            md.size = sz
            md.id = id(obj)
            try:
                md.type = obj.__class__.__name__
            except (AttributeError, ReferenceError):
                md.type = type(obj).__name__
            md.str = safe_repr(obj, clip=128)
            self.metadata.append(md)

    def _get_graphviz_data(self):
        """The graph as DOT text."""
        s = ["// Process this file with graphviz\n", "digraph G {\n", "    node [shape=box];\n"]
        for md in self.metadata:
            label = trunc(md.str, 48).replace('"', "'").replace("\\", "\\\\")
            extra = ""
            if md.type == "instancemethod":
                extra = ", color=red"
            elif md.type == "frame":
                extra = ", color=orange"
            s.append('    "X%s" [ label = "%s\\n%s" %s ];\n' % (hex(md.id)[1:], label, md.type,
                                                              extra))
        for e in self.edges:
            extra = ",weight=100" if e.label == "__dict__" else ""
            label = str(e.label).replace("\\", "\\\\").replace('"', "'")
            s.append('    X%s -> X%s [label="%s"%s];\n' % (hex(e.src)[1:], hex(e.dst)[1:],
                                                          label, extra))
        s.append("}\n")
        return "".join(s)

    def render(self, filename, cmd="dot", format="ps", unflatten=False):  # noqa: A002
        """Draw the graph to filename with Graphviz (`cmd`, -T`format`; through
        `unflatten -l7` first if asked). False if there is nothing to draw, else whether
        Graphviz succeeded; OSError if it is not installed."""
        if self.objects == []:
            return False
        data = self._get_graphviz_data()
        options = ("-Nfontsize=10", "-Efontsize=10", "-Nstyle=filled", "-Nfillcolor=#E5EDB8",
                   "-Ncolor=#CCCCCC")
        cmdline = (cmd, "-T%s" % format, "-o", filename) + options
        if unflatten:
            p1 = Popen(("unflatten", "-l7"), stdin=PIPE, stdout=PIPE, **popen_flags)
            p2 = Popen(cmdline, stdin=p1.stdout, **popen_flags)
            p1.communicate(data.encode())
            p2.communicate()
            return p2.returncode == 0
        p = Popen(cmdline, stdin=PIPE, **popen_flags)
        p.communicate(data.encode())
        return p.returncode == 0

    def write_graph(self, filename):
        """Write the DOT text to filename."""
        with open(filename, "w") as f:
            f.write(self._get_graphviz_data())
