#!/usr/bin/env python3
"""Checks the module graph of src/ and include/: no include cycle, no source file too long.

A module is X.c with its header X.h: beside it (src/<area>/X.h) or public
(include/metaleak/X.h for src/core/X.c or src/cli/X.c). A header without a .c is a module of its
own. Every `#include "..."` of a module's files is an edge to the module of the included file;
system headers (<...>) are not followed. Any cycle in that graph fails the check, with the
modules and the lines that close it. Source files in src/ longer than --max-lines (600) fail too.

Usage: scripts/check_includes.py [--root DIR] [--max-lines N]
Exit status 0 when clean, 1 with one line per problem.
"""
import argparse
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def source_files(root):
    for top in ("src", "include"):
        for d, _, names in os.walk(os.path.join(root, top)):
            for n in sorted(names):
                if n.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(d, n), root)


def module_of(path, files):
    """The module a file belongs to: 'area/X' for src/<area>/X.[ch], the .c's module for a public
    header with a .c in one src/<area>, else 'include/X'."""
    stem = os.path.splitext(os.path.basename(path))[0]
    parts = path.split(os.sep)
    if parts[0] == "src":
        return "/".join(parts[1:-1] + [stem])
    owners = sorted(os.path.dirname(f).split(os.sep, 1)[1]
                    for f in files if f.startswith("src" + os.sep) and
                    os.path.basename(f) == stem + ".c")
    return owners[0] + "/" + stem if len(owners) == 1 else "include/" + stem


def resolve(including, name, root, files):
    """The repository path of a quoted include, or None for one outside src/ and include/."""
    for cand in (os.path.join(os.path.dirname(including), name), os.path.join("include", name)):
        cand = os.path.normpath(cand)
        if cand in files:
            return cand
    return None


def edges(root, files):
    """{module: {module: [(file, line, include)]}}"""
    graph = {}
    for f in files:
        m = module_of(f, files)
        graph.setdefault(m, {})
        with open(os.path.join(root, f), encoding="utf-8", errors="replace") as fh:
            for no, line in enumerate(fh, 1):
                hit = INCLUDE.match(line)
                if not hit:
                    continue
                target = resolve(f, hit.group(1), root, files)
                if target is None:
                    continue
                t = module_of(target, files)
                if t != m:
                    graph[m].setdefault(t, []).append((f, no, hit.group(1)))
    return graph


def cycles(graph):
    """Strongly connected components with more than one module (Tarjan), each as a cycle."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, {})):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            strong(v)
    return out


def one_cycle(graph, comp):
    """A shortest cycle through the first module of a component, as a list of modules."""
    start, members = comp[0], set(comp)
    prev, queue = {start: None}, [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph.get(v, {})):
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if w in members and w not in prev:
                prev[w] = v
                queue.append(w)
    return comp + [comp[0]]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   ".."))
    ap.add_argument("--max-lines", type=int, default=600)
    a = ap.parse_args()
    root = os.path.abspath(a.root)
    files = set(source_files(root))
    graph = edges(root, files)
    problems = 0
    for comp in cycles(graph):
        cyc = one_cycle(graph, comp)
        print("include cycle: " + " -> ".join(cyc))
        for x, y in zip(cyc, cyc[1:]):
            f, no, name = graph[x][y][0]
            print('    %s:%d: #include "%s"' % (f, no, name))
        problems += 1
    for f in sorted(files):
        if not f.startswith("src" + os.sep):
            continue
        with open(os.path.join(root, f), encoding="utf-8", errors="replace") as fh:
            n = sum(1 for _ in fh)
        if n > a.max_lines:
            print("%s: %d lines (at most %d: split it by responsibility)" % (f, n, a.max_lines))
            problems += 1
    if problems:
        return 1
    print("includes: %d modules, no cycle; no source file over %d lines" %
          (len(graph), a.max_lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
