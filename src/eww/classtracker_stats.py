"""Drop-in for pympler.classtracker_stats: the reports of a ClassTracker.

Stats (sorting, dump_stats/load_stats with pickle, annotate), ConsoleStats (print_stats,
print_summary, print_object) and HtmlStats (create_html: a title page and a page per class)
with pympler 1.1's formats (Pympler, Apache License 2.0). Where eww differs: HtmlStats draws
its charts (memory over time, instances over time) as SVG with eww's chart renderer, the one
`stats -g` uses, where pympler needs matplotlib; pympler's pie charts are left out (the
per-class table of each snapshot gives the same shares).
"""

import os
import pickle
import sys
from copy import deepcopy

from . import _eww
from ._text import pp, pp_timestamp, trunc
from .asizeof import Asized

__all__ = ["Stats", "ConsoleStats", "HtmlStats"]


def _ref2key(ref):
    return ref.name.split(":")[0]


def _merge_asized(base, other, level=0):
    """Merge Asized `other` into `base`: sizes add up, referents of the same name merge."""
    base.size += other.size
    base.flat += other.flat
    if level > 0:
        base.name = _ref2key(base)
    base.refs = list(base.refs)
    refs = {_ref2key(ref): ref for ref in base.refs}
    for ref in other.refs:
        key = _ref2key(ref)
        if key in refs:
            _merge_asized(refs[key], ref, level=level + 1)
        else:
            base.refs.append(deepcopy(ref))
            base.refs[-1].name = key


def _merge_objects(tref, merged, obj):
    """Merge the sizes tracked object `obj` had at time `tref` into `merged`."""
    size = None
    for (timestamp, tsize) in obj.snapshots:
        if timestamp == tref:
            size = tsize
    if size:
        _merge_asized(merged, size)


def _format_trace(trace):
    """A stored stack (inspect.stack records without the frames) as readable text."""
    lines = []
    for fname, lineno, func, src, _ in trace:
        if src:
            for line in src:
                lines.append("    " + line.strip() + "\n")
        lines.append("  %s:%4d in %s\n" % (fname, lineno, func))
    return "".join(lines)


class Stats(object):
    """The statistics of a ClassTracker (`tracker`) or of a dump of one (`filename`)."""

    def __init__(self, tracker=None, filename=None, stream=None):
        self.stream = stream if stream else sys.stdout
        self.tracker = tracker
        self.index = {}
        self.snapshots = []
        if tracker:
            self.index = tracker.index
            self.snapshots = tracker.snapshots
            self.history = tracker.history
        self.sorted = []
        if filename:
            self.load_stats(filename)

    def load_stats(self, fdump):
        """Load what dump_stats wrote (a file name or a binary file open for reading)."""
        if isinstance(fdump, str):
            with open(fdump, "rb") as f:
                self.index = pickle.load(f)
                self.snapshots = pickle.load(f)
        else:
            self.index = pickle.load(fdump)
            self.snapshots = pickle.load(fdump)
        self.sorted = []

    def dump_stats(self, fdump, close=True):
        """Write the data to a file (a name, or a binary file open for writing; closed
        unless close=False). Stops the tracker's background snapshots first."""
        if self.tracker:
            self.tracker.stop_periodic_snapshots()
        if isinstance(fdump, str):
            fdump = open(fdump, "wb")
        pickle.dump(self.index, fdump, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(self.snapshots, fdump, protocol=pickle.HIGHEST_PROTOCOL)
        if close:
            fdump.close()

    def _init_sort(self):
        if not self.sorted:
            tmax = None
            maxsize = 0
            for snapshot in self.snapshots:
                if snapshot.tracked_total > maxsize:
                    tmax = snapshot.timestamp
            for key in list(self.index.keys()):
                for tobj in self.index[key]:
                    tobj.classname = key
                    tobj.size = tobj.get_max_size()
                    tobj.tsize = tobj.get_size_at_time(tmax)
                self.sorted.extend(self.index[key])

    def sort_stats(self, *args):
        """Sort the tracked objects by these fields, in order: classname, tsize, birth,
        death, name, repr, size (sizes descending, the others ascending). Returns self."""
        criteria = ("classname", "tsize", "birth", "death", "name", "repr", "size")
        if not set(criteria).issuperset(set(args)):
            raise ValueError("Invalid sort criteria")
        if not args:
            args = criteria

        def args_to_tuple(obj):
            keys = []
            for attr in args:
                attribute = getattr(obj, attr, "")
                if attr in ("tsize", "size"):
                    attribute = -int(attribute)
                keys.append(attribute)
            return tuple(keys)

        self._init_sort()
        self.sorted.sort(key=args_to_tuple)
        return self

    def reverse_order(self):
        """Reverse the sorted order. Returns self."""
        self._init_sort()
        self.sorted.reverse()
        return self

    def annotate(self):
        """Annotate every snapshot with per-class summaries."""
        for snapshot in self.snapshots:
            self.annotate_snapshot(snapshot)

    def annotate_snapshot(self, snapshot):
        """snapshot.classes: per class, {sum, avg, pct, active, merged}."""
        if snapshot.classes is not None:
            return snapshot.classes
        snapshot.classes = {}
        for classname in list(self.index.keys()):
            total = 0
            active = 0
            merged = Asized(0, 0)
            for tobj in self.index[classname]:
                _merge_objects(snapshot.timestamp, merged, tobj)
                total += tobj.get_size_at_time(snapshot.timestamp)
                if tobj.birth < snapshot.timestamp and (
                        tobj.death is None or tobj.death > snapshot.timestamp):
                    active += 1
            try:
                pct = total * 100.0 / snapshot.total
            except ZeroDivisionError:
                pct = 0
            try:
                avg = total / active
            except ZeroDivisionError:
                avg = 0
            snapshot.classes[classname] = dict(sum=total, avg=avg, pct=pct, active=active)
            snapshot.classes[classname]["merged"] = merged
        return snapshot.classes

    @property
    def tracked_classes(self):
        """The names of the tracked classes, sorted."""
        return sorted(list(self.index.keys()))


class ConsoleStats(Stats):
    """Stats as text, written to `stream`."""

    def _print_refs(self, refs, total, prefix="    ", level=1, minsize=0, minpct=0.1):
        lrefs = sorted(refs, key=lambda x: x.size, reverse=True)
        for ref in lrefs:
            if ref.size > minsize and (ref.size * 100.0 / total) > minpct:
                self.stream.write("%-50s %-14s %3d%% [%d]\n" % (
                    trunc(prefix + str(ref.name), 50), pp(ref.size),
                    int(ref.size * 100.0 / total), level))
                self._print_refs(ref.refs, total, prefix=prefix + "  ", level=level + 1)

    def print_object(self, tobj):
        """One tracked object: name, address (or free), repr, trace, size per snapshot."""
        if tobj.death:
            self.stream.write("%-32s ( free )   %-35s\n" % (
                trunc(tobj.name, 32, left=True), trunc(tobj.repr, 35)))
        else:
            self.stream.write("%-32s 0x%08x %-35s\n" % (
                trunc(tobj.name, 32, left=True), tobj.id, trunc(tobj.repr, 35)))
        if tobj.trace:
            self.stream.write(_format_trace(tobj.trace))
        for (timestamp, size) in tobj.snapshots:
            self.stream.write("  %-30s %s\n" % (pp_timestamp(timestamp), pp(size.size)))
            self._print_refs(size.refs, size.size)
        if tobj.death is not None:
            self.stream.write("  %-30s finalize\n" % (pp_timestamp(tobj.death),))

    def print_stats(self, clsname=None, limit=1.0):
        """The tracked objects whose class name contains clsname; limit < 1 keeps that share
        of them, limit >= 1 that many."""
        if self.tracker:
            self.tracker.stop_periodic_snapshots()
        if not self.sorted:
            self.sort_stats()
        _sorted = self.sorted
        if clsname:
            _sorted = [to for to in _sorted if clsname in to.classname]
        if limit < 1.0:
            limit = max(1, int(len(self.sorted) * limit))
        for tobj in _sorted[:int(limit)]:
            self.print_object(tobj)

    def print_summary(self):
        """Per snapshot, per class: active instances, total and average size, share."""
        classlist = self.tracked_classes
        fobj = self.stream
        fobj.write("---- SUMMARY " + "-" * 66 + "\n")
        for snapshot in self.snapshots:
            classes = self.annotate_snapshot(snapshot)
            fobj.write("%-35s %11s %12s %12s %5s\n" % (
                trunc(snapshot.desc, 35), "active", pp(snapshot.asizeof_total), "average",
                "pct"))
            for classname in classlist:
                info = classes[classname]
                fobj.write("  %-33s %11d %12s %12s %4d%%\n" % (
                    trunc(classname, 33), info["active"], pp(info["sum"]), pp(info["avg"]),
                    info["pct"]))
        fobj.write("-" * 79 + "\n")


def _write_svg(filename, points, title, xlabel, ylabel, bytes=False):
    """Draw points with eww's chart renderer to filename (as .svg); the path written."""
    path = os.path.splitext(filename)[0] + ".svg"
    svg = _eww.chart_svg(points, title=title, xlabel=xlabel, ylabel=ylabel, bytes=bytes)
    with open(path, "w") as f:
        f.write(svg)
    return path


class HtmlStats(Stats):
    """Stats as HTML pages with SVG charts."""

    style = """<style type="text/css">
        table { width:100%; border:1px solid #000; border-spacing:0px; }
        td, th { border:0px; }
        div { width:200px; padding:10px; background-color:#FFEECC; }
        #nb { border:0px; }
        #tl { margin-top:5mm; margin-bottom:5mm; }
        #p1 { padding-left: 5px; }
        #p2 { padding-left: 50px; }
        #p3 { padding-left: 100px; }
        #p4 { padding-left: 150px; }
        #p5 { padding-left: 200px; }
        #p6 { padding-left: 210px; }
        #p7 { padding-left: 220px; }
        #hl { background-color:#FFFFCC; }
        #r1 { background-color:#BBBBBB; }
        #r2 { background-color:#CCCCCC; }
        #r3 { background-color:#DDDDDD; }
        #r4 { background-color:#EEEEEE; }
        #r5,#r6,#r7 { background-color:#FFFFFF; }
        #num { text-align:right; }
    </style>
    """

    nochart_msg = '<div color="#FFCCCC">No %s chart: %s.</div>\n'
    chart_tag = '<img src="%s">\n'
    header = "<html><head><title>%s</title>%s</head><body>\n"
    tableheader = '<table border="1">\n'
    tablefooter = "</table>\n"
    footer = "</body></html>\n"

    refrow = """<tr id="r%(level)d">
        <td id="p%(level)d">%(name)s</td>
        <td id="num">%(size)s</td>
        <td id="num">%(pct)3.1f%%</td></tr>"""

    def _print_refs(self, fobj, refs, total, level=1, minsize=0, minpct=0.1):
        lrefs = sorted(refs, key=lambda x: x.size, reverse=True)
        if level == 1:
            fobj.write("<table>\n")
        for ref in lrefs:
            if ref.size > minsize and (ref.size * 100.0 / total) > minpct:
                data = dict(level=level, name=trunc(str(ref.name), 128), size=pp(ref.size),
                            pct=ref.size * 100.0 / total)
                fobj.write(self.refrow % data)
                self._print_refs(fobj, ref.refs, total, level=level + 1)
        if level == 1:
            fobj.write("</table>\n")

    class_summary = """<p>%(cnt)d instances of %(cls)s were registered. The
        average size is %(avg)s, the minimal size is %(min)s, the maximum size
        is %(max)s.</p>\n"""
    class_snapshot = """<h3>Snapshot: %(name)s, %(total)s occupied by instances
        of class %(cls)s</h3>\n"""

    def print_class_details(self, fname, classname):
        """The page of class `classname`, written to fname."""
        with open(fname, "w") as fobj:
            fobj.write(self.header % (classname, self.style))
            fobj.write("<h1>%s</h1>\n" % (classname))
            sizes = [tobj.get_max_size() for tobj in self.index[classname]]
            data = {"cnt": len(self.index[classname]), "cls": classname,
                    "avg": pp(sum(sizes) / len(sizes)), "max": pp(max(sizes)),
                    "min": pp(min(sizes))}
            fobj.write(self.class_summary % data)
            fobj.write(self.charts[classname])
            fobj.write("<h2>Coalesced Referents per Snapshot</h2>\n")
            for snapshot in self.snapshots:
                if snapshot.classes and classname in snapshot.classes:
                    merged = snapshot.classes[classname]["merged"]
                    fobj.write(self.class_snapshot % {
                        "name": snapshot.desc, "cls": classname, "total": pp(merged.size)})
                    if merged.refs:
                        self._print_refs(fobj, merged.refs, merged.size)
                    else:
                        fobj.write("<p>No per-referent sizes recorded.</p>\n")
            fobj.write("<h2>Instances</h2>\n")
            for tobj in self.index[classname]:
                fobj.write('<table id="tl" width="100%" rules="rows">\n')
                fobj.write('<tr><td id="hl" width="140px">Instance</td>' +
                           '<td id="hl">%s at 0x%08x</td></tr>\n' % (tobj.name, tobj.id))
                if tobj.repr:
                    fobj.write("<tr><td>Representation</td>" +
                               "<td>%s&nbsp;</td></tr>\n" % tobj.repr)
                fobj.write("<tr><td>Lifetime</td><td>%s - %s</td></tr>\n" %
                           (pp_timestamp(tobj.birth), pp_timestamp(tobj.death)))
                if tobj.trace:
                    trace = "<pre>%s</pre>" % (_format_trace(tobj.trace))
                    fobj.write("<tr><td>Instantiation</td><td>%s</td></tr>\n" % trace)
                for (timestamp, size) in tobj.snapshots:
                    fobj.write("<tr><td>%s</td>" % pp_timestamp(timestamp))
                    if not size.refs:
                        fobj.write("<td>%s</td></tr>\n" % pp(size.size))
                    else:
                        fobj.write("<td>%s" % pp(size.size))
                        self._print_refs(fobj, size.refs, size.size)
                        fobj.write("</td></tr>\n")
                fobj.write("</table>\n")
            fobj.write(self.footer)

    snapshot_cls_header = """<tr>
        <th id="hl">Class</th>
        <th id="hl" align="right">Instance #</th>
        <th id="hl" align="right">Total</th>
        <th id="hl" align="right">Average size</th>
        <th id="hl" align="right">Share</th></tr>\n"""

    snapshot_cls = """<tr>
        <td>%(cls)s</td>
        <td align="right">%(active)d</td>
        <td align="right">%(sum)s</td>
        <td align="right">%(avg)s</td>
        <td align="right">%(pct)3.2f%%</td></tr>\n"""

    snapshot_summary = """<p>Total virtual memory assigned to the program
        at that time was %(sys)s, which includes %(overhead)s profiling
        overhead. The ClassTracker tracked %(tracked)s in total. The measurable
        objects including code objects but excluding overhead have a total size
        of %(asizeof)s.</p>\n"""

    def relative_path(self, filepath, basepath=None):
        """filepath relative to basepath (self.basedir by default)."""
        if basepath is None:
            basepath = self.basedir
        if not basepath:
            return filepath
        if filepath.startswith(basepath):
            filepath = filepath[len(basepath):]
        if filepath and filepath[0] == os.sep:
            filepath = filepath[1:]
        return filepath

    def create_title_page(self, filename, title=""):
        """The index page: the memory chart and each snapshot's per-class table."""
        with open(filename, "w") as fobj:
            fobj.write(self.header % (title, self.style))
            fobj.write("<h1>%s</h1>\n" % title)
            fobj.write("<h2>Memory distribution over time</h2>\n")
            fobj.write(self.charts["snapshots"])
            fobj.write("<h2>Snapshots statistics</h2>\n")
            fobj.write('<table id="nb">\n')
            classlist = sorted(self.index.keys())
            for snapshot in self.snapshots:
                fobj.write("<tr><td>\n")
                fobj.write('<table id="tl" rules="rows">\n')
                fobj.write("<h3>%s snapshot at %s</h3>\n" % (
                    snapshot.desc or "Untitled", pp_timestamp(snapshot.timestamp)))
                data = {"sys": pp(snapshot.system_total.vsz),
                        "tracked": pp(snapshot.tracked_total),
                        "asizeof": pp(snapshot.asizeof_total),
                        "overhead": pp(getattr(snapshot, "overhead", 0))}
                fobj.write(self.snapshot_summary % data)
                if snapshot.tracked_total:
                    fobj.write(self.snapshot_cls_header)
                    for classname in classlist:
                        if snapshot.classes:
                            info = snapshot.classes[classname].copy()
                            path = self.relative_path(self.links[classname])
                            info["cls"] = '<a href="%s">%s</a>' % (path, classname)
                            info["sum"] = pp(info["sum"])
                            info["avg"] = pp(info["avg"])
                            fobj.write(self.snapshot_cls % info)
                fobj.write("</table>")
                fobj.write("</td><td>\n")
                if snapshot.tracked_total:
                    fobj.write(self.charts[snapshot])
                fobj.write("</td></tr>\n")
            fobj.write("</table>\n")
            fobj.write(self.footer)

    def create_lifetime_chart(self, classname, filename=""):
        """Instances of `classname` alive over time, as an SVG next to filename; returns
        the <img> tag."""
        cnt = []
        for tobj in self.index[classname]:
            cnt.append([tobj.birth, 1])
            if tobj.death:
                cnt.append([tobj.death, -1])
        cnt.sort()
        for i in range(1, len(cnt)):
            cnt[i][1] += cnt[i - 1][1]
        if not cnt:
            return self.nochart_msg % (classname + " lifetime", "no instances")
        path = _write_svg(filename, [(t, c) for t, c in cnt], "%s instances" % classname,
                          "Execution time [s]", "Instance #")
        return self.chart_tag % os.path.basename(path)

    def create_snapshot_chart(self, filename=""):
        """The tracked total over time, as an SVG next to filename; returns the tag."""
        if not self.snapshots:
            return self.nochart_msg % ("memory allocation", "no snapshots")
        path = _write_svg(filename, [(s.timestamp, s.tracked_total) for s in self.snapshots],
                          "Snapshot Memory: tracked total", "Execution Time [s]", None,
                          bytes=True)
        return self.chart_tag % self.relative_path(path)

    def create_pie_chart(self, snapshot, filename=""):
        """pympler's pie chart; eww leaves it out (the snapshot's table has the shares)."""
        return ""

    def create_html(self, fname, title="ClassTracker Statistics"):
        """The HTML page fname, with the class pages and charts in fname's _files folder."""
        self.basedir = os.path.dirname(os.path.abspath(fname))
        self.filesdir = os.path.splitext(fname)[0] + "_files"
        if not os.path.isdir(self.filesdir):
            os.mkdir(self.filesdir)
        self.filesdir = os.path.abspath(self.filesdir)
        self.links = {}
        self.annotate()
        self.charts = {}
        fn = os.path.join(self.filesdir, "timespace.svg")
        self.charts["snapshots"] = self.create_snapshot_chart(fn)
        for idx, fp in enumerate(self.snapshots):
            fn = os.path.join(self.filesdir, "fp%d.svg" % (idx))
            self.charts[fp] = self.create_pie_chart(fp, fn)
        for cn in list(self.index.keys()):
            fn = os.path.join(self.filesdir, cn.replace(".", "_") + "-lt.svg")
            self.charts[cn] = self.create_lifetime_chart(cn, fn)
        for cn in list(self.index.keys()):
            fn = os.path.join(self.filesdir, cn.replace(".", "_") + ".html")
            self.links[cn] = fn
            self.print_class_details(fn, cn)
        self.create_title_page(fname, title=title)
