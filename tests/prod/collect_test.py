#!/usr/bin/env python3
"""`metaleak collect` against Flink's REST API behind TLS and authentication (an ingress), on a
local fake server (tests/cli/fake_rest.py's handler, served over https with a CA and a server
certificate made here with openssl):

- https with --cacert; without it the server's certificate is refused;
- basic authentication (--user, --password-file or METALEAK_REST_PASSWORD) and bearer
  (--token-file or METALEAK_REST_TOKEN); missing or wrong credentials are named; no secret is
  ever printed, a user:password in the URL is masked;
- the JobManager's own report (GET /jobmanager/logs);
- two TaskManagers on one host that list each other's report (a shared log directory): every
  JVM's report is kept once, the newest, and the copies are removed from the output directory.

Usage: collect_test.py --cli build/bin/metaleak --work DIR
"""
import argparse
import base64
import copy
import json
import os
import re
import ssl
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "cli"))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
import fake_rest  # noqa: E402
import harness  # noqa: E402
from harness import check  # noqa: E402

PASSWORD = "s3cr3t-pa55word-91f2"
TOKEN = "tok-7c1e0a9b44d2-bearer"


class SecureHandler(fake_rest.Handler):
    """fake_rest's Flink REST answers, behind basic or bearer authentication, plus the
    JobManager's log directory."""
    auth = None            # the exact Authorization header value wanted, None: no auth
    jm_reports = {}        # JobManager: {file name: bytes}
    seen_auth = []

    def do_GET(self):
        got = self.headers.get("Authorization")
        SecureHandler.seen_auth.append(got)
        if self.auth is not None and got != self.auth:
            return self.reply(401, b'{"errors":["unauthorized"]}')
        parts = self.path.strip("/").split("/")
        if parts[:2] == ["jobmanager", "logs"]:
            if len(parts) == 2:
                logs = [{"name": "jobmanager.log", "size": 1}] + \
                    [{"name": n, "size": len(b)} for n, b in self.jm_reports.items()]
                return self.reply(200, json.dumps({"logs": logs}).encode())
            data = self.jm_reports.get(parts[2])
            return self.reply(200, data, "text/plain") if data is not None else \
                self.reply(404, b"{}")
        return super().do_GET()


def make_certs(work):
    """A CA and a server certificate for 127.0.0.1 (openssl). Returns (ca.pem, cert, key)."""
    ca_key, ca = os.path.join(work, "ca.key"), os.path.join(work, "ca.pem")
    key, csr, cert = (os.path.join(work, n) for n in ("srv.key", "srv.csr", "srv.pem"))
    ext = os.path.join(work, "san.cnf")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run = lambda *a: subprocess.run(a, check=True, capture_output=True)  # noqa: E731
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca,
        "-days", "2", "-subj", "/CN=metaleak test CA")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj",
        "/CN=127.0.0.1")
    run("openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
        "-out", cert, "-days", "2", "-extfile", ext)
    return ca, cert, key


def serve(cert, key, auth):
    SecureHandler.auth = auth
    server = fake_rest.http.server.ThreadingHTTPServer(("127.0.0.1", 0), SecureHandler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def variant(doc, pid, host, start, generated):
    d = copy.deepcopy(doc)
    d["jvm"]["pid"] = pid
    d["jvm"]["start_epoch_ms"] = start
    d["generated_at"] = generated
    if host is not None:
        d["jvm"]["host"] = host
    return json.dumps(d).encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    work = harness.fresh_dir(a.work)
    cli = os.path.abspath(a.cli)
    base_doc = json.load(open(os.path.join(ROOT, "tests", "cli", "fixtures", "flink-leaks.json")))
    # TaskManagers tm-a and tm-b on host node-1 share a log directory: each lists both reports;
    # tm-a's copy of its report is older than the one tm-b lists (an earlier write). The JobManager has
    # its own report. tm-c on another host has pid 1 and the same start time as tm-a's JVM:
    # another JVM, kept.
    a_new = variant(base_doc, 4242, "node-1", 1796306586000, "2026-12-03T14:05:00.000Z")
    a_old = variant(base_doc, 4242, "node-1", 1796306586000, "2026-12-03T14:04:00.000Z")
    b = variant(base_doc, 4343, "node-1", 1796306587000, "2026-12-03T14:05:00.000Z")
    c = variant(base_doc, 1, "flink-tm-2", 1796306586000, "2026-12-03T14:05:00.000Z")
    jm = variant(base_doc, 77, "node-1", 1796306500000, "2026-12-03T14:05:00.000Z")
    fake_rest.Handler.reports = {
        "tm-a": {"metaleak-4242.json": a_old, "metaleak-4343.json": b},
        "tm-b": {"metaleak-4242.json": a_new, "metaleak-4343.json": b},
        "tm-c": {"metaleak-1.json": c},
    }
    fake_rest.Handler.broken = set()
    fake_rest.Handler.slow = set()
    fake_rest.Handler.jobs = {"jobs": []}
    SecureHandler.jm_reports = {"metaleak-77.json": jm}
    ca, cert, key = make_certs(work)
    pwfile = os.path.join(work, "password")
    with open(pwfile, "w") as f:
        f.write(PASSWORD + "\n")
    tokfile = os.path.join(work, "token")
    with open(tokfile, "w") as f:
        f.write(TOKEN + "\n")
    basic = "Basic " + base64.b64encode(("metaleak:" + PASSWORD).encode()).decode()
    env = {k: v for k, v in os.environ.items() if not k.startswith("METALEAK_REST_")}

    def collect(url, *args, extra_env=None):
        out = os.path.join(work, "out-%d" % collect.n)
        collect.n += 1
        e = dict(env, **(extra_env or {}))
        r = subprocess.run([cli, "collect", url, "--out", out, "--timeout", "5"] + list(args),
                           capture_output=True, text=True, env=e, timeout=120)
        return r, out
    collect.n = 0

    def no_secret(r):
        text = r.stdout + r.stderr
        return PASSWORD not in text and TOKEN not in text

    # ---- basic ----
    server = serve(cert, key, basic)
    url = "https://127.0.0.1:%d" % server.server_address[1]
    r, out = collect(url, "--cacert", ca, "--user", "metaleak", "--password-file", pwfile)
    check("https + --cacert + basic auth: exit 0", r.returncode == 0, r.stdout + r.stderr)
    files = sorted(os.listdir(out)) if os.path.isdir(out) else []
    check("the JobManager's own report is fetched",
          "jobmanager-metaleak-77.json" in files and
          "jobmanager: metaleak-77.json -> " in r.stdout, r.stdout)
    check("reports listed twice (shared log directory) are kept once, the newest: 4 JVMs",
          sorted(f for f in files if f.endswith(".json") and f != "flink-jobs.json") ==
          ["jobmanager-metaleak-77.json", "tm-a-metaleak-4343.json", "tm-b-metaleak-4242.json",
           "tm-c-metaleak-1.json"] and r.stdout.count("  duplicate: ") == 2, files)
    check("the duplicate is named with its JVM (host, pid, start)",
          "jvm node-1 pid 4242 started 1796306586000" in r.stdout, r.stdout)
    heads = re.findall(r"^\S+/(\S+\.json) \(pid (\d+)\):", r.stdout, re.M)
    check("the summary has each of the 4 JVMs once (not 6 reports)",
          sorted(p for _, p in heads) == ["1", "4242", "4343", "77"], heads)
    check("no secret printed (basic)", no_secret(r), "")
    check("the server got the basic credentials", basic in SecureHandler.seen_auth, "")

    r, out = collect(url, "--cacert", ca, "--user", "metaleak",
                     extra_env={"METALEAK_REST_PASSWORD": PASSWORD})
    check("basic auth with METALEAK_REST_PASSWORD: exit 0", r.returncode == 0, r.stderr)
    r, out = collect(url, "--cacert", ca, "--user", "metaleak",
                     extra_env={"METALEAK_REST_PASSWORD": "wrong"})
    check("a wrong password: exit 1, says HTTP 401 and that credentials were refused",
          r.returncode == 1 and "HTTP 401" in r.stderr and "credentials" in r.stderr,
          r.stdout + r.stderr)
    r, out = collect(url, "--user", "metaleak", "--password-file", pwfile)
    check("without --cacert the test CA is not trusted: exit 1 with the TLS reason",
          r.returncode == 1 and ("certificate" in r.stderr.lower() or
                                 "ssl" in r.stderr.lower()) and no_secret(r),
          r.stderr)
    r, out = collect(url.replace("https://", "https://metaleak:%s@" % PASSWORD), "--cacert", ca)
    check("user:password in the URL works and is never printed (***@)",
          r.returncode == 0 and no_secret(r) and "https://***@127.0.0.1" in r.stdout,
          r.stdout[:300] + r.stderr)
    server.shutdown()
    server.server_close()

    # ---- bearer ----
    SecureHandler.seen_auth = []
    server = serve(cert, key, "Bearer " + TOKEN)
    url = "https://127.0.0.1:%d" % server.server_address[1]
    r, out = collect(url, "--cacert", ca, "--token-file", tokfile)
    check("bearer token from --token-file: exit 0, nothing printed of it",
          r.returncode == 0 and no_secret(r), r.stdout + r.stderr)
    r, out = collect(url, extra_env={"METALEAK_REST_TOKEN": TOKEN,
                                     "METALEAK_REST_CACERT": ca})
    check("bearer token and CA from the environment: exit 0", r.returncode == 0 and
          no_secret(r), r.stderr)
    r, out = collect(url, "--cacert", ca)
    check("no credentials: exit 1, HTTP 401 named", r.returncode == 1 and "HTTP 401" in r.stderr,
          r.stderr)
    server.shutdown()
    server.server_close()

    # ---- usage ----
    r, _ = collect(url, "--user", "x", "--token-file", tokfile,
                   extra_env={"METALEAK_REST_PASSWORD": "p"})
    check("user and token together: usage error (2)", r.returncode == 2 and no_secret(r),
          r.stderr)
    r, _ = collect(url, "--user", "x")
    check("--user without a password: usage error naming where it comes from",
          r.returncode == 2 and "METALEAK_REST_PASSWORD" in r.stderr, r.stderr)
    r, _ = collect(url, "--cacert", os.path.join(work, "nope.pem"))
    check("a missing --cacert file: usage error naming it",
          r.returncode == 2 and "nope.pem" in r.stderr, r.stderr)
    empty = os.path.join(work, "empty")
    open(empty, "w").close()
    r, _ = collect(url, "--token-file", empty)
    check("an empty token file: usage error", r.returncode == 2 and "is empty" in r.stderr,
          r.stderr)
    return harness.CHECKS.summary(require_checks=True)


if __name__ == "__main__":
    sys.exit(main())
