#!/usr/bin/env python3
"""Renders the unit-test report fixtures with unit_report_sample and validates every report
against docs/report.schema.json (JSON Schema draft-07, Debian package python3-jsonschema).

    validate_report.py --schema docs/report.schema.json --render build/.../unit_report_sample

With ML_UNIT_KNOWN_BUGS=1 in the environment, the fixtures that show known bugs are rendered and
validated too (and fail until the bugs are fixed). Exit status 0 when every report is valid."""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import jsonschema


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--schema", required=True)
    ap.add_argument("--render", required=True, help="the unit_report_sample executable")
    args = ap.parse_args()

    with open(args.schema) as f:
        schema = json.load(f)
    validator_cls = jsonschema.validators.validator_for(schema)
    validator_cls.check_schema(schema)
    validator = validator_cls(schema)

    with tempfile.TemporaryDirectory(prefix="ml-unit-schema-") as tmp:
        cmd = [args.render, tmp]
        if os.environ.get("ML_UNIT_KNOWN_BUGS") == "1":
            cmd.append("--known-bugs")
        subprocess.run(cmd, check=True)
        names = sorted(os.listdir(tmp))
        if len(names) < 3:
            print("expected at least 3 reports, got %s" % names, file=sys.stderr)
            return 1
        failed = 0
        for name in names:
            with open(os.path.join(tmp, name)) as f:
                doc = json.load(f)
            errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
            for e in errors:
                where = "/".join(str(p) for p in e.absolute_path) or "(root)"
                print("%s: %s: %s" % (name, where, e.message), file=sys.stderr)
            if errors:
                failed += 1
            else:
                print("%s: valid" % name)
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
