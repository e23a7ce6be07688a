"""Real library jars from Maven Central, resolved with Maven (transitive runtime closure) and
cached under ${METALEAK_FLINK_CACHE:-~/.cache/metaleak}/knownleaks, and shade-style fat jars.

resolve(["g:a:v", ...], exclude=["g:a", ...]) -> sorted list of jar paths (the closure).
fat_jar(out, classes_dir, jars) writes one jar: the job's classes plus every class and resource of
the jars, as maven-shade does (signatures dropped, META-INF/services files concatenated, the first
copy of any other duplicate kept)."""
import hashlib
import os
import subprocess
import zipfile

CACHE = os.environ.get("METALEAK_FLINK_CACHE") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "metaleak")

POM = """<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.metaleak.test</groupId>
  <artifactId>knownleaks-deps</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
%s
  </dependencies>
</project>
"""

DEP = """    <dependency>
      <groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version>
      <exclusions>%s</exclusions>
    </dependency>"""

EXCL = "<exclusion><groupId>%s</groupId><artifactId>%s</artifactId></exclusion>"


class ResolveError(Exception):
    pass


def resolve(gavs, exclude=()):
    """The runtime closure of gavs (each "group:artifact:version"), without the artifacts in
    exclude ("group:artifact", excluded from every dependency, transitively). Cached by content."""
    key = hashlib.sha1(repr((sorted(gavs), sorted(exclude))).encode()).hexdigest()[:16]
    d = os.path.join(CACHE, "knownleaks", "deps", key)
    done = os.path.join(d, "jars.txt")
    if os.path.exists(done):
        with open(done) as f:
            return [os.path.join(d, "jars", line.strip()) for line in f if line.strip()]
    os.makedirs(d, exist_ok=True)
    excl = "".join(EXCL % tuple(e.split(":")) for e in exclude)
    deps = "\n".join(DEP % (tuple(g.split(":")) + (excl,)) for g in gavs)
    with open(os.path.join(d, "pom.xml"), "w") as f:
        f.write(POM % deps)
    r = subprocess.run(["mvn", "-q", "-B", "-f", os.path.join(d, "pom.xml"),
                        "dependency:copy-dependencies", "-DincludeScope=runtime",
                        "-DoutputDirectory=" + os.path.join(d, "jars")],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise ResolveError("mvn could not resolve %s: %s" % (gavs, (r.stdout + r.stderr)[-800:]))
    names = sorted(n for n in os.listdir(os.path.join(d, "jars")) if n.endswith(".jar"))
    with open(done + ".tmp", "w") as f:
        f.write("".join(n + "\n" for n in names))
    os.replace(done + ".tmp", done)
    return [os.path.join(d, "jars", n) for n in names]


def _signature_file(name):
    up = name.upper()
    return up.startswith("META-INF/") and (up.endswith(".SF") or up.endswith(".RSA") or
                                          up.endswith(".DSA") or up.endswith(".EC"))


def fat_jar(out, classes_dir, jars):
    """Writes out (atomically): classes_dir's files, then the jars' entries (shade style)."""
    seen = set()
    services = {}
    tmp = out + ".tmp"
    # Stored, not deflated: a test jar, written and read locally (the Beam closure deflated takes
    # tens of seconds to write).
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as z:
        z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n\r\n")
        seen.add("META-INF/MANIFEST.MF")
        for root, _, files in os.walk(classes_dir):
            for fn in sorted(files):
                p = os.path.join(root, fn)
                name = os.path.relpath(p, classes_dir).replace(os.sep, "/")
                z.write(p, name)
                seen.add(name)
        for jar in jars:
            with zipfile.ZipFile(jar) as src:
                for info in src.infolist():
                    name = info.filename
                    if info.is_dir() or _signature_file(name) or name == "META-INF/MANIFEST.MF":
                        continue
                    if name.startswith("META-INF/services/"):
                        services.setdefault(name, []).append(src.read(info))
                        continue
                    if name in seen:
                        continue
                    seen.add(name)
                    entry = zipfile.ZipInfo(name, info.date_time)
                    entry.external_attr = info.external_attr
                    z.writestr(entry, src.read(info))
        for name, parts in services.items():
            z.writestr(name, b"\n".join(p.rstrip(b"\n") for p in parts) + b"\n")
    os.replace(tmp, out)
