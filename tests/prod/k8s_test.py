#!/usr/bin/env python3
"""examples/k8s against the Flink Kubernetes Operator's CRD schema (tests/prod/crd, from the
operator's API jar on Maven Central), and the production points of the recipe:

- every FlinkDeployment / FlinkSessionJob validates against the CRD's openAPIV3Schema, read
  strictly (an unknown field is an error, as `kubectl apply --validate=strict` makes it; the API
  server would drop it silently); and a manifest with a typo, a wrong type or an unknown
  flinkVersion does NOT validate (the check can fail);
- the agent's report path uses %h, not only %p, and lies on a volume that outlives the pod (a
  PersistentVolumeClaim, defined in the examples), per pod (subPathExpr with the pod's name);
- the init container runs as non-root (runAsNonRoot, a non-zero uid, no privilege escalation);
- terminationGracePeriodSeconds leaves Flink's shutdown (15 s) plus the agent's exit budget
  (exit_budget, 10 s by default) room;
- the agent option string parses with the agent's own option rules (the metaleak CLI is not
  needed: the keys and values are checked against docs/configuration.md's table here).

Usage: k8s_test.py [--examples DIR]
"""
import argparse
import copy
import glob
import os
import re
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
import harness  # noqa: E402
from harness import check  # noqa: E402

CRDS = {"FlinkDeployment": "flinkdeployments.flink.apache.org-v1.yml",
        "FlinkSessionJob": "flinksessionjobs.flink.apache.org-v1.yml"}
FLINK_SHUTDOWN_S = 15      # what a TaskManager's own shutdown may take
DEFAULT_EXIT_BUDGET_S = 10


def strict(schema):
    """The CRD's structural schema as a JSON Schema that refuses unknown fields: an object with
    properties and neither additionalProperties nor x-kubernetes-preserve-unknown-fields gets
    additionalProperties: false; x-kubernetes-int-or-string becomes integer-or-string."""
    if isinstance(schema, list):
        return [strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: strict(v) for k, v in schema.items() if not k.startswith("x-kubernetes-")}
    if schema.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if ("properties" in schema and "additionalProperties" not in schema and
            not schema.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


def crd_schema(kind, api_version):
    with open(os.path.join(HERE, "crd", CRDS[kind])) as f:
        crd = yaml.safe_load(f)
    group, version = api_version.split("/")
    assert crd["spec"]["group"] == group and crd["spec"]["names"]["kind"] == kind
    for v in crd["spec"]["versions"]:
        if v["name"] == version:
            s = strict(v["schema"]["openAPIV3Schema"])
            # apiVersion, kind and metadata (ObjectMeta) are the API server's, not in the CRD.
            s.setdefault("properties", {})["metadata"] = {"type": "object"}
            s["properties"]["apiVersion"] = {"const": api_version}
            s["properties"]["kind"] = {"const": kind}
            return s
    raise KeyError("%s has no version %s" % (CRDS[kind], version))


def validate(doc):
    import jsonschema
    try:
        jsonschema.validate(doc, crd_schema(doc["kind"], doc["apiVersion"]))
    except jsonschema.ValidationError as e:
        return "%s at %s" % (e.message, "/".join(str(p) for p in e.absolute_path))
    return None


# The agent's option rules (docs/configuration.md), enough to catch a broken option string.
OPTIONS = {
    "config": "path", "report": "path", "interval": (0, 86400), "leak_gcs": (1, 1000),
    "verify_on_exit": ("true", "false"), "log": ("quiet", "error", "warn", "info", "debug"),
    "max_loaders": (16, 10000000), "history": (0, 1000000), "paths": ("auto", "off"),
    "path_budget": (10, 600000), "path_proof_after": (0, 86400), "suspect_after": (0, 604800),
    "mbean": ("auto", "on", "off"), "metrics": "path", "exit_budget": (1, 600),
}


def agent_options(java_opts):
    """{key: value} of the -agentpath option string in java_opts; raises ValueError."""
    m = re.search(r"-agentpath:[^=\s]*libmetaleak\.so(?:=(\S*))?", java_opts)
    if not m:
        raise ValueError("no -agentpath:...libmetaleak.so in %r" % java_opts)
    opts = {}
    for item in filter(None, (m.group(1) or "").split(",")):
        key, sep, value = item.partition("=")
        rule = OPTIONS.get(key)
        if not sep or rule is None or key in opts:
            raise ValueError("bad option %r" % item)
        if isinstance(rule, tuple) and isinstance(rule[0], int):
            if not value.isdigit() or not rule[0] <= int(value) <= rule[1]:
                raise ValueError("%s=%s out of %s" % (key, value, rule))
        elif isinstance(rule, tuple) and value not in rule:
            raise ValueError("%s=%s not one of %s" % (key, value, rule))
        elif rule == "path" and (not value or re.search(r"%[^pth%]", value)):
            raise ValueError("%s=%s: bad path template" % (key, value))
        opts[key] = value
    return opts


def tm_pod(doc):
    return (doc.get("spec", {}).get("taskManager", {}).get("podTemplate") or {}).get("spec", {})


def check_deployment(name, doc, claims):
    t = "%s: " % name
    spec = doc["spec"]
    pod = tm_pod(doc)
    try:
        opts = agent_options(spec["flinkConfiguration"]["env.java.opts.taskmanager"])
        problem = None
    except (KeyError, ValueError) as e:
        opts, problem = {}, str(e)
    check(t + "the agent's option string is valid", problem is None, problem)
    report = opts.get("report", "")
    check(t + "the report path names the pod (%h), not only the pid",
          "%h" in report, report)
    # The report directory must be a mount of a PersistentVolumeClaim that the examples define,
    # one subdirectory per pod.
    main = [c for c in pod.get("containers", []) if c.get("name") == "flink-main-container"]
    mounts = main[0].get("volumeMounts", []) if main else []
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    report_dir = os.path.dirname(report) or "/opt/flink/log"
    mount = next((m for m in mounts if report_dir == m["mountPath"].rstrip("/") or
                  report_dir.startswith(m["mountPath"].rstrip("/") + "/")), None)
    vol = volumes.get(mount["name"], {}) if mount else {}
    claim = (vol.get("persistentVolumeClaim") or {}).get("claimName")
    check(t + "reports (every trigger) go to a PersistentVolumeClaim that outlives the pod",
          claim is not None and claim in claims, "dir %s, mount %s, volume %s, claims %s"
          % (report_dir, mount, vol, sorted(claims)))
    env = {e["name"]: e for e in (main[0].get("env", []) if main else [])}
    check(t + "one subdirectory per pod on the claim (subPathExpr with the pod's name)",
          mount is not None and "$(POD_NAME)" in mount.get("subPathExpr", "") and
          env.get("POD_NAME", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
          == "metadata.name", "%s %s" % (mount, env.get("POD_NAME")))
    inits = pod.get("initContainers", [])
    ctx_pod = pod.get("securityContext", {})
    for c in inits:
        ctx = dict(ctx_pod, **c.get("securityContext", {}))
        check(t + "init container %s runs as non-root" % c["name"],
              ctx.get("runAsNonRoot") is True and ctx.get("runAsUser", 0) != 0 and
              ctx.get("allowPrivilegeEscalation") is False, ctx)
    budget = int(opts.get("exit_budget", DEFAULT_EXIT_BUDGET_S))
    grace = pod.get("terminationGracePeriodSeconds", 30)
    check(t + "terminationGracePeriodSeconds (%d) >= Flink's shutdown (%d) + exit_budget (%d)"
          % (grace, FLINK_SHUTDOWN_S, budget), grace >= FLINK_SHUTDOWN_S + budget, grace)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--examples", default=os.path.join(ROOT, "examples", "k8s"))
    a = ap.parse_args()
    try:
        import jsonschema  # noqa: F401
    except ImportError:
        check("python3-jsonschema is installed", False, "apt-get install python3-jsonschema")
        return harness.CHECKS.summary()
    docs = []
    for path in sorted(glob.glob(os.path.join(a.examples, "*.yaml"))):
        with open(path) as f:
            for i, doc in enumerate(yaml.safe_load_all(f)):
                if doc:
                    docs.append(("%s#%d" % (os.path.basename(path), i), doc))
    claims = {d["metadata"]["name"] for _, d in docs if d.get("kind") == "PersistentVolumeClaim"}
    kinds = [d["kind"] for _, d in docs]
    check("examples/k8s has a FlinkDeployment, a FlinkSessionJob and a PersistentVolumeClaim",
          {"FlinkDeployment", "FlinkSessionJob", "PersistentVolumeClaim"} <= set(kinds), kinds)
    for name, doc in docs:
        if doc["kind"] not in CRDS:
            continue
        problem = validate(doc)
        check("%s: %s validates against the operator's CRD (strict)" % (name, doc["kind"]),
              problem is None, problem)
        if doc["kind"] == "FlinkDeployment":
            check_deployment(name, doc, claims)
            # Must not validate: the schema check catches what the API server would drop or
            # refuse.
            bad = copy.deepcopy(doc)
            pod = tm_pod(bad)
            pod["containers"][0]["volumeMount"] = pod["containers"][0].pop("volumeMounts")
            check(name + ": a typo in a field name does not validate", validate(bad) is not None,
                  "validated")
            bad = copy.deepcopy(doc)
            bad["spec"]["flinkVersion"] = "v9_9"
            check(name + ": an unknown flinkVersion does not validate",
                  validate(bad) is not None, "validated")
            bad = copy.deepcopy(doc)
            tm_pod(bad)["terminationGracePeriodSeconds"] = "30s"
            check(name + ": a string where the schema wants an integer does not validate",
                  validate(bad) is not None, "validated")
        if doc["kind"] == "FlinkSessionJob":
            deps = [d["metadata"]["name"] for _, d in docs if d["kind"] == "FlinkDeployment"]
            check(name + ": its deploymentName is the example's FlinkDeployment",
                  doc["spec"]["deploymentName"] in deps, doc["spec"]["deploymentName"])
            bad = copy.deepcopy(doc)
            bad["spec"]["job"]["parallelism"] = "one"
            check(name + ": a wrong type does not validate", validate(bad) is not None,
                  "validated")
    check_prometheus()
    return harness.CHECKS.summary(require_checks=True)


def check_prometheus():
    """examples/prometheus: the dashboard and the alert rules ask only for metrics that the
    exporter rules define (prod_test.py checks that the exporter and the metrics file serve
    exactly those)."""
    d = os.path.join(ROOT, "examples", "prometheus")
    with open(os.path.join(d, "jmx-exporter-metaleak.yaml")) as f:
        names = {r["name"] for r in yaml.safe_load(f)["rules"]}
    with open(os.path.join(d, "grafana-metaleak.json")) as f:
        import json
        dash = json.load(f)
    exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
    with open(os.path.join(d, "metaleak-alerts.yaml")) as f:
        rules = [r for g in yaml.safe_load(f)["groups"] for r in g["rules"]]
    exprs += [r["expr"] for r in rules]
    used = set(re.findall(r"\bmetaleak_[a-z_]+", " ".join(exprs)))
    check("examples/prometheus: the dashboard (%d panels) and %d alert rules use only exported "
          "metrics" % (len(dash["panels"]), len(rules)),
          used and used <= names and len(dash["panels"]) >= 6, sorted(used - names))
    check("examples/prometheus: every exported metric is on the dashboard or in an alert",
          names <= used | {"metaleak_loaders_live"}, sorted(names - used))


if __name__ == "__main__":
    sys.exit(main())
