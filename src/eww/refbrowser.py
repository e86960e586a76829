"""Drop-in for pympler.refbrowser: trees of what refers to an object.

RefBrowser builds the tree of an object's referrers (gc.get_referrers) to `maxdepth` levels;
StreamBrowser/ConsoleBrowser print it as text, FileBrowser to a file, InteractiveBrowser
shows it in a Tk window (where tkinter and IDLE's tree widget exist; ImportError otherwise).
API, tree layout and options are pympler 1.1's (Pympler, Apache License 2.0). The browser's
own frames and lists are left out of the tree, as in pympler. The console's `backrefs` and
`refs` commands answer the same questions from outside the app.
"""

import gc
import inspect
import sys

from . import muppy, summary

try:
    import tkinter
except ImportError:  # Python built without Tk
    tkinter = None


class _Node(object):
    """A node of the tree: the object `o`, its `children` (nodes, or leaves of any kind),
    shown with str_func(o) if given."""

    def __init__(self, o, str_func=None):
        self.o = o
        self.children = []
        self.str_func = str_func

    def __str__(self):
        if self.str_func is not None:
            return self.str_func(self.o)
        return str(self.o)


class RefBrowser(object):
    """The tree of referrers of `rootobject`, `maxdepth` levels deep; repeat=False shows an
    object met twice only once (later as '... (already included, id N)')."""

    def __init__(self, rootobject, maxdepth=3, str_func=summary._repr, repeat=True,
                 stream=None):
        self.root = rootobject
        self.maxdepth = maxdepth
        self.str_func = str_func
        self.repeat = repeat
        self.stream = stream
        self.ignore = []  # the browser's own objects (frames, lists) met while building
        self.already_included = set()
        self.ignore.append(self.already_included)

    def get_tree(self):
        """The tree of referrers of the root object (a _Node)."""
        self.ignore.append(inspect.currentframe())
        return self._get_tree(self.root, self.maxdepth)

    def _get_tree(self, root, maxdepth):
        objects = gc.get_referrers(root)
        res = _Node(root, self.str_func)
        self.already_included.add(id(root))
        if maxdepth == 0:
            return res
        self.ignore.append(inspect.currentframe())
        self.ignore.append(objects)
        for o in objects:
            # Before 3.11 a _Node's or browser's attributes live in a dict: leave those out.
            if isinstance(o, dict) and sys.version_info < (3, 11):
                if any(isinstance(ref, (_Node, RefBrowser)) for ref in gc.get_referrers(o)):
                    continue
            _id = id(o)
            if not self.repeat and (_id in self.already_included):
                s = self.str_func(o)
                res.children.append("%s (already included, id %s)" % (s, _id))
                continue
            if (not isinstance(o, _Node)) and (o not in self.ignore):
                res.children.append(self._get_tree(o, maxdepth - 1))
        return res


class StreamBrowser(RefBrowser):
    """Prints the tree to `stream`, drawn with hline, vline, cross and space."""

    hline = "-"
    vline = "|"
    cross = "+"
    space = " "

    def print_tree(self, tree=None):
        """Print `tree`, or the tree of the root object."""
        if tree is None:
            tree = self.get_tree()
        self._print(tree, "", "")

    def _print(self, tree, prefix, carryon):
        """Print the line of `tree` after prefix; carryon continues the vertical lines."""
        level = prefix.count(self.cross) + prefix.count(self.vline)
        len_children = len(tree.children) if isinstance(tree, _Node) else 0
        prefix += str(tree)
        carryon += self.space * len(str(tree))
        if level == self.maxdepth or not isinstance(tree, _Node) or len_children == 0:
            self.stream.write(prefix + "\n")
            return
        prefix += self.hline
        carryon += self.space
        if len(tree.children) > 1:
            prefix += self.cross
            carryon += self.vline
        prefix += self.hline
        carryon += self.space
        self._print(tree.children[0], prefix, carryon)
        for b in range(1, len_children):
            prefix = carryon[:-2] + self.cross + self.hline
            if b == (len_children - 1):
                carryon = carryon[:-2] + 2 * self.space
            self._print(tree.children[b], prefix, carryon)
            if b == (len_children - 1):
                if len(carryon.strip(" ")) == 0:
                    return
                self.stream.write(carryon[:-2].rstrip() + "\n")


class ConsoleBrowser(StreamBrowser):
    """A StreamBrowser that prints to sys.stdout by default."""

    def __init__(self, *args, **kwargs):
        super(ConsoleBrowser, self).__init__(*args, **kwargs)
        if not self.stream:
            self.stream = sys.stdout


class FileBrowser(StreamBrowser):
    """A StreamBrowser that prints to a file."""

    def print_tree(self, filename, tree=None):
        """Print `tree` (or the root's) to the file `filename`."""
        old_stream = self.stream
        self.stream = open(filename, "w")
        try:
            super(FileBrowser, self).print_tree(tree=tree)
        finally:
            self.stream.close()
            self.stream = old_stream


try:
    from idlelib import tree as _TreeWidget

    class _TreeNode(_TreeWidget.TreeNode):
        """A node of the Tk tree, with a menu: reload referrers, print, expand."""

        def reload_referrers(self):
            self.item.node = self.item.reftree._get_tree(self.item.node.o, 1)
            self.item._clear_children()
            self.expand()
            self.update()

        def print_object(self):
            print(self.item.node.o)

        def drawtext(self):
            _TreeWidget.TreeNode.drawtext(self)
            menu = tkinter.Menu(self.canvas, tearoff=0)
            menu.add_command(label="reload referrers", command=self.reload_referrers)
            menu.add_command(label="print", command=self.print_object)
            menu.add_separator()
            menu.add_command(label="expand", command=self.expand)
            menu.add_separator()
            menu.add_command(label="Close Popup Menu")

            def do_popup(event):
                menu.post(event.x_root, event.y_root)

            self.label.bind("<Button-3>", do_popup)

        def edit(self, event=None):
            pass  # the tree is read-only

        def edit_finish(self, event=None):
            pass

        def edit_cancel(self, event=None):
            pass

    class _ReferrerTreeItem(_TreeWidget.TreeItem, tkinter.Label):
        """The Tk tree's item for a _Node; its referrers are found when it is opened."""

        def __init__(self, parentwindow, node, reftree):
            _TreeWidget.TreeItem.__init__(self)
            tkinter.Label.__init__(self, parentwindow)
            self.node = node
            self.parentwindow = parentwindow
            self.reftree = reftree

        def _clear_children(self):
            self.node.children = [c for c in self.node.children if not isinstance(c, _TreeNode)]

        def GetText(self):
            return str(self.node)

        def GetIconName(self):
            if not self.IsExpandable():
                return "python"

        def IsExpandable(self):
            if not isinstance(self.node, _Node):
                return False
            if len(self.node.children) > 0:
                return True
            return muppy._is_containerobject(self.node.o)

        def GetSubList(self):
            children = self.node.children
            if len(children) == 0 and muppy._is_containerobject(self.node.o):
                self.node = self.reftree._get_tree(self.node.o, 1)
                self._clear_children()
                children = self.node.children
            return [_ReferrerTreeItem(self.parentwindow, child, self.reftree)
                    for child in children]
except (ImportError, AttributeError):  # no Tk, or no IDLE
    _TreeWidget = None


def gui_default_str_function(o):
    """The InteractiveBrowser's label of an object: summary._repr and its id."""
    return summary._repr(o) + "(id=%s)" % id(o)


class InteractiveBrowser(RefBrowser):
    """The tree in a Tk window (ImportError without Tk)."""

    def __init__(self, rootobject, maxdepth=3, str_func=gui_default_str_function, repeat=True):
        if tkinter is None or _TreeWidget is None:
            raise ImportError("InteractiveBrowser requires Tkinter to be installed.")
        RefBrowser.__init__(self, rootobject, maxdepth, str_func, repeat)

    def main(self, standalone=False):
        """Open the window; standalone=True runs Tk's main loop."""
        window = tkinter.Tk()
        sc = _TreeWidget.ScrolledCanvas(window, bg="white", highlightthickness=0, takefocus=1)
        sc.frame.pack(expand=1, fill="both")
        item = _ReferrerTreeItem(window, self.get_tree(), self)
        node = _TreeNode(sc.canvas, None, item)
        node.expand()
        if standalone:
            window.mainloop()
