/* graph.h - reference graphs as DOT (graph.c): the referrers of objects (`backrefs`,
 * objgraph's show_backrefs) or their referents (show_refs). GIL held throughout. */
#ifndef EWW_GRAPH_H
#define EWW_GRAPH_H

#include "pycompat.h"

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef struct graph_opts {
    int backwards;     /* 1: who refers to the targets; 0: what they refer to */
    int max_depth;     /* edges from a target to the farthest node */
    int too_many;      /* edges drawn per node; the rest are counted in a box */
    size_t max_nodes;  /* the graph stops growing here (and says so) */
    int console;       /* eww's style (module and class dicts drawn as their owner, modules
                          and classes not expanded, IDs in labels); else objgraph's */
    uintptr_t find_id; /* when not 0 (targets then empty): the target is the live object
                          with this address, looked up, never dereferenced */
    PyObject *ignore;  /* a set of ids (ints) never drawn, or NULL */
    PyObject *filter;  /* objgraph's callables, or NULL */
    PyObject *highlight;
    PyObject *extra_info;
    PyObject *extra_node_attrs;
    int refcounts, shortnames;
    const char *title; /* the graph's label, or NULL */
    PyObject *scan;    /* gc.get_objects(), when the caller has it already; else NULL */
    /* Called between passes of a long search (GIL held), or NULL. */
    void (*progress)(void *arg, int depth, double seconds);
    /* Asked every 4096 objects of a pass whether to stop (then -1 with KeyboardInterrupt),
     * or NULL. Runs no Python code. */
    int (*tick)(void *arg);
    void *progress_arg;
} graph_opts;

typedef struct graph_result {
    size_t nodes;
    int cut;            /* max_nodes was reached */
    int found;          /* find_id: the object was found */
    size_t index_bytes; /* C memory the search used at its largest */
} graph_result;

/* Draw the graph of targets (a list) as DOT into out. 0, or -1 with a Python exception set
 * (a callable that raised, out of memory). With find_id, a missing object is not an error:
 * res->found is 0 and out is empty. */
int graph_dot(PyObject *targets, const graph_opts *o, eww_buf *out, graph_result *res);

#endif
