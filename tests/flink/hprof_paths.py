#!/usr/bin/env python3
"""Shortest strong reference path from a GC root to every instance of a class, in an HPROF heap dump.

Independent ground truth for the Flink harness: is a class loader that metaleak calls "leaked"
really strongly reachable, and from where?  (jcmd <pid> GC.heap_dump -all <file> writes all objects,
reachable or not; without -all only live ones after a full GC.)

    hprof_paths.py [--soft] <dump.hprof> [class-name ...]  (default: org.apache.flink.util.ChildFirstClassLoader)

--final also follows FinalReference.referent (objects waiting for finalize(): they and everything
they reach survive one more collection).
--soft also follows SoftReference.referent (java.lang.ref.SoftReference and subclasses), to show
the path that keeps an object softly reachable (it survives System.gc() under the default
SoftRefLRUPolicyMSPerMB, but not a last-ditch collection before an OutOfMemoryError).

Reference.referent / Reference.discovered are not followed (weak, soft, phantom and final references
do not keep an object alive), so "no strong path" means the object is only weakly/softly reachable
or garbage.  Pure Python, no dependencies; a ~100 MB dump takes well under a minute.
"""
import mmap
import struct
import sys
from collections import deque

T_OBJ = 2
TYPE_SIZE = {2: None, 4: 1, 5: 2, 6: 4, 7: 8, 8: 1, 9: 2, 10: 4, 11: 8}
ROOT_NAMES = {0xFF: "unknown", 0x01: "JNI global", 0x02: "JNI local", 0x03: "Java frame",
              0x04: "native stack", 0x05: "sticky class", 0x06: "thread block",
              0x07: "monitor used", 0x08: "thread object"}


class Dump:
    def __init__(self, path, follow_soft=False, follow_final=False):
        self.follow_soft = follow_soft
        self.follow_final = follow_final
        f = open(path, "rb")
        self.m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        m = self.m
        end = m.find(b"\0")
        self.idsize = struct.unpack_from(">I", m, end + 1)[0]
        self.idfmt = ">Q" if self.idsize == 8 else ">I"
        TYPE_SIZE[T_OBJ] = self.idsize
        self.strings = {}
        self.class_names = {}     # class obj id -> name (java form)
        self.classes = {}         # class id -> dict(super, loader, statics[(name, id)], fields[(name,type)])
        self.objs = {}            # obj id -> (kind, pos, classid or n)
        self.roots = []           # (id, kind, thread serial)
        self.thread_by_serial = {}
        pos = end + 1 + 4 + 8
        n = len(m)
        while pos < n:
            tag = m[pos]
            length = struct.unpack_from(">I", m, pos + 5)[0]
            body = pos + 9
            if tag == 0x01:
                sid = self._id(body)
                self.strings[sid] = m[body + self.idsize: body + length].decode("utf-8", "replace")
            elif tag == 0x02:
                cid = self._id(body + 4)
                nid = self._id(body + 8 + self.idsize)
                self.class_names[cid] = nid
            elif tag in (0x0C, 0x1C):
                self._heap(body, body + length)
            pos = body + length
        for cid, nid in list(self.class_names.items()):
            self.class_names[cid] = self.strings.get(nid, "?").replace("/", ".")
        self._layouts = {}

    def _id(self, pos):
        return struct.unpack_from(self.idfmt, self.m, pos)[0]

    def _heap(self, pos, end):
        m, I = self.m, self.idsize
        while pos < end:
            st = m[pos]
            pos += 1
            if st == 0xFF or st == 0x05 or st == 0x07:
                self.roots.append((self._id(pos), st, None)); pos += I
            elif st == 0x01:
                self.roots.append((self._id(pos), st, None)); pos += 2 * I
            elif st in (0x02, 0x03):
                ser = struct.unpack_from(">I", m, pos + I)[0]
                self.roots.append((self._id(pos), st, ser)); pos += I + 8
            elif st in (0x04, 0x06):
                ser = struct.unpack_from(">I", m, pos + I)[0]
                self.roots.append((self._id(pos), st, ser)); pos += I + 4
            elif st == 0x08:
                oid = self._id(pos)
                ser = struct.unpack_from(">I", m, pos + I)[0]
                self.thread_by_serial[ser] = oid
                self.roots.append((oid, st, ser)); pos += I + 8
            elif st == 0x20:
                cid = self._id(pos)
                sup = self._id(pos + I + 4)
                loader = self._id(pos + 2 * I + 4)
                signers = self._id(pos + 3 * I + 4)
                pd = self._id(pos + 4 * I + 4)
                p = pos + 7 * I + 4 + 4
                cp = struct.unpack_from(">H", m, p)[0]; p += 2
                refs = []
                for _ in range(cp):
                    t = m[p + 2]
                    if t == T_OBJ:
                        refs.append(("<constant pool>", self._id(p + 3)))
                    p += 3 + TYPE_SIZE[t]
                ns = struct.unpack_from(">H", m, p)[0]; p += 2
                for _ in range(ns):
                    nm = self._id(p); t = m[p + I]
                    if t == T_OBJ:
                        refs.append((("static", nm), self._id(p + I + 1)))
                    p += I + 1 + TYPE_SIZE[t]
                nf = struct.unpack_from(">H", m, p)[0]; p += 2
                fields = []
                for _ in range(nf):
                    fields.append((self._id(p), m[p + I])); p += I + 1
                self.classes[cid] = {"super": sup, "loader": loader, "signers": signers, "pd": pd,
                                     "refs": refs, "fields": fields}
                pos = p
            elif st == 0x21:
                oid = self._id(pos)
                cid = self._id(pos + I + 4)
                ln = struct.unpack_from(">I", m, pos + 2 * I + 4)[0]
                self.objs[oid] = (0, pos + 2 * I + 8, cid)
                pos += 2 * I + 8 + ln
            elif st == 0x22:
                oid = self._id(pos)
                cnt = struct.unpack_from(">I", m, pos + I + 4)[0]
                acid = self._id(pos + I + 8)
                self.objs[oid] = (1, pos + 2 * I + 8, cnt, acid)
                pos += 2 * I + 8 + cnt * I
            elif st == 0x23:
                oid = self._id(pos)
                cnt = struct.unpack_from(">I", m, pos + I + 4)[0]
                t = m[pos + I + 8]
                self.objs[oid] = (2, pos + I + 9, cnt, t)
                pos += I + 9 + cnt * TYPE_SIZE[t]
            else:
                raise ValueError("unknown heap sub-record 0x%02x at %d" % (st, pos - 1))

    def name(self, cid):
        return self.class_names.get(cid, "class@%x" % cid)

    def is_subclass(self, cid, target):
        while cid:
            if self.name(cid) == target:
                return True
            cid = self.classes.get(cid, {}).get("super", 0)
        return False

    def layout(self, cid):
        """[(offset, field name)] of reference fields of an instance of cid (own fields first, then supers)."""
        lay = self._layouts.get(cid)
        if lay is not None:
            return lay
        is_ref = self.is_subclass(cid, "java.lang.ref.Reference")
        if is_ref and self.follow_soft and self.is_subclass(cid, "java.lang.ref.SoftReference"):
            is_ref = False
        if is_ref and self.follow_final and self.is_subclass(cid, "java.lang.ref.FinalReference"):
            is_ref = False
        lay, off, c = [], 0, cid
        while c and c in self.classes:
            for nm, t in self.classes[c]["fields"]:
                fname = self.strings.get(nm, "?")
                if t == T_OBJ and not (is_ref and fname in ("referent", "discovered")):
                    lay.append((off, fname))
                off += TYPE_SIZE[t]
            c = self.classes[c]["super"]
        self._layouts[cid] = lay
        return lay

    def edges(self, oid):
        if oid in self.classes:
            c = self.classes[oid]
            for lbl, ref in (("<super>", c["super"]), ("<loader>", c["loader"]),
                             ("<signers>", c["signers"]), ("<protection domain>", c["pd"])):
                if ref:
                    yield lbl, ref
            for lbl, ref in c["refs"]:
                if ref:
                    if isinstance(lbl, tuple):
                        lbl = "static " + self.strings.get(lbl[1], "?")
                    yield lbl, ref
            return
        o = self.objs.get(oid)
        if o is None:
            return
        if o[0] == 0:
            _, p, cid = o
            yield "<class>", cid
            for off, fname in self.layout(cid):
                ref = self._id(p + off)
                if ref:
                    yield fname, ref
        elif o[0] == 1:
            _, p, cnt, _acid = o
            I = self.idsize
            for i in range(cnt):
                ref = self._id(p + i * I)
                if ref:
                    yield "[%d]" % i, ref

    def describe(self, oid):
        if oid in self.classes:
            return "class " + self.name(oid)
        o = self.objs.get(oid)
        if o is None:
            return "?@%x" % oid
        if o[0] == 0:
            return "%s@%x" % (self.name(o[2]), oid)
        if o[0] == 1:
            return "%s[%d]@%x" % (self.name(o[3]), o[2], oid)
        return "primitive array@%x" % oid


    def field(self, oid, fname):
        """Value of reference field fname of instance oid (None if absent)."""
        o = self.objs.get(oid)
        if not o or o[0] != 0:
            return None
        for off, f in self.layout(o[2]):
            if f == fname:
                return self._id(o[1] + off)
        return None

    def string(self, oid):
        """Contents of a java.lang.String (JDK 9+ compact strings: byte[] value + coder)."""
        arr = self.field(oid, "value")
        a = self.objs.get(arr) if arr else None
        if not a or a[0] != 2:
            return None
        _, p, cnt, t = a
        raw = self.m[p: p + cnt * TYPE_SIZE[t]]
        if t == 5:
            return raw.decode("utf-16-be", "replace")
        # byte[]: LATIN1 (coder 0) or UTF16 (coder 1); guess from length parity and zero bytes
        try:
            return raw.decode("latin-1") if b"\0" not in raw else raw.decode("utf-16-le")
        except Exception:
            return None

    def elements(self, oid):
        o = self.objs.get(oid)
        if not o or o[0] != 1:
            return []
        _, p, cnt, _ = o
        return [self._id(p + i * self.idsize) for i in range(cnt)]

    def loader_urls(self, oid):
        """URL strings of a URLClassLoader instance (ucp.path ArrayList)."""
        ucp = self.field(oid, "ucp")
        lst = self.field(ucp, "path") if ucp else None
        data = self.field(lst, "elementData") if lst else None
        out = []
        for u in self.elements(data) if data else []:
            if u:
                sv = self.field(u, "path") or self.field(u, "file")
                s = self.string(sv) if sv else None
                if s:
                    out.append(s)
        return out


def strong_paths(d, targets):
    """{instance id: [(object id, edge label)] from a root, or None} for all instances of targets."""
    target_cids = {cid for cid, nm in d.class_names.items() if nm in targets}
    inst = [oid for oid, o in d.objs.items() if o[0] == 0 and o[2] in target_cids]
    parent = {}
    q = deque()
    for oid, kind, ser in d.roots:
        if oid and oid not in parent:
            lbl = "root " + ROOT_NAMES.get(kind, hex(kind))
            if ser is not None and kind in (0x02, 0x03, 0x04, 0x06):
                th = d.thread_by_serial.get(ser)
                lbl += " (thread %s)" % (d.describe(th) if th else ser)
            parent[oid] = (None, lbl)
            q.append(oid)
    want = set(inst)
    found = len(want & set(parent))
    while q and found < len(want):
        cur = q.popleft()
        for lbl, ref in d.edges(cur):
            if ref not in parent and (ref in d.objs or ref in d.classes):
                parent[ref] = (cur, lbl)
                if ref in want:
                    found += 1
                q.append(ref)
    res = {}
    for oid in inst:
        if oid not in parent:
            res[oid] = None
            continue
        chain = []
        cur = oid
        while cur is not None:
            p, lbl = parent[cur]
            chain.append((cur, lbl))
            cur = p
        chain.reverse()
        res[oid] = chain
    return res


def format_chain(d, chain):
    lines = []
    for i, (o, lbl) in enumerate(chain):
        if i == 0:
            lines.append("%s  [%s]" % (d.describe(o), lbl))
        else:
            lines.append("%s--%s--> %s" % ("  " * min(i, 20), lbl, d.describe(o)))
    return lines


def main():
    args = sys.argv[1:]
    soft = "--soft" in args
    final = "--final" in args
    args = [a for a in args if a not in ("--soft", "--final")]
    if not args:
        print(__doc__); sys.exit(2)
    targets = args[1:] or ["org.apache.flink.util.ChildFirstClassLoader"]
    d = Dump(args[0], follow_soft=soft, follow_final=final)
    res = strong_paths(d, targets)
    print("%d objects, %d classes, %d roots; %d instance(s) of %s"
          % (len(d.objs), len(d.classes), len(d.roots), len(res), ", ".join(targets)))
    for oid, chain in res.items():
        print()
        print("== %s" % d.describe(oid))
        for u in d.loader_urls(oid):
            print("   url %s" % u)
        if chain is None:
            kinds = ["strong"] + (["soft"] if soft else []) + (["finalizer"] if final else [])
            print("   no %s path from a GC root" % "/".join(kinds))
        else:
            for line in format_chain(d, chain):
                print("   " + line)


if __name__ == "__main__":
    main()
