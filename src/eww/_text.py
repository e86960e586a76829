"""Text helpers shared by the drop-ins, with Pympler's formats (pympler.util.stringutils)."""


def safe_repr(obj, clip=None):
    """repr(obj), 'N/A' when repr raises; clipped to `clip` characters as 'Clip..xt'."""
    try:
        s = repr(obj)
    except Exception:
        return "N/A"
    if not clip or len(s) <= clip:
        return s
    return s[:clip - 4] + ".." + s[-2:]


def trunc(obj, max, left=False):  # noqa: A002 - pympler's name
    """str(obj) on one line ('|' for newlines), cut to `max` characters with '...'."""
    s = str(obj).replace("\n", "|")
    if len(s) <= max:
        return s
    return "..." + s[len(s) - max + 3:] if left else s[:max - 3] + "..."


def pp(i, base=1024):
    """A size as pympler prints it: '1512     B', '   1.48 KB', '  -1.07 KB'."""
    degree = 0
    pattern = "%4d     %s"
    while i > base:
        pattern = "%7.2f %s"
        i = i / float(base)
        degree += 1
    return pattern % (i, ["B", "KB", "MB", "GB", "TB", "EB"][degree])


def pp_timestamp(t):
    """Seconds as 'HH:MM:SS.ss' ('' for None)."""
    if t is None:
        return ""
    h, m, s = int(t / 3600), int(t / 60 % 60), t % 60
    return "%02d:%02d:%05.2f" % (h, m, s)
