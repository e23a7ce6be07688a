"""Validation of reports against docs/report.schema.json, shared by the real-JVM tests.

Strict when METALEAK_REQUIRE_SCHEMA=1 (scripts/test.sh sets it): a missing jsonschema module
is then an error instead of a skipped check."""
import json
import os

_SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs",
                       "report.schema.json")


def validate(path_or_doc):
    """Returns None when the report is valid (or validation is unavailable), else the error."""
    try:
        import jsonschema
    except ImportError:
        if os.environ.get("METALEAK_REQUIRE_SCHEMA") == "1":
            return "python module jsonschema missing (apt-get install python3-jsonschema)"
        return None
    doc = path_or_doc
    if isinstance(path_or_doc, str):
        with open(path_or_doc) as f:
            doc = json.load(f)
    with open(_SCHEMA) as f:
        schema = json.load(f)
    try:
        jsonschema.validate(doc, schema)
    except jsonschema.ValidationError as e:
        return "%s at %s" % (e.message, "/".join(str(p) for p in e.absolute_path))
    return None
