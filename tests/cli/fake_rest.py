"""A loopback HTTP server that answers the four Flink REST calls `metaleak collect` makes,
from canned data, to test collect's handling of TaskManagers that have a report, have none,
answer with an error, or do not answer in time. (The real-Flink collect test runs against a
real session cluster in tests/flink.)"""
import http.server
import json
import threading
import time
import urllib.parse


class Handler(http.server.BaseHTTPRequestHandler):
    reports = {}      # tm id -> {file name: bytes}
    broken = set()    # tm ids whose log listing fails with HTTP 500
    slow = set()      # tm ids whose log listing sleeps past the client's timeout
    jobs = None       # the /jobs/overview answer (a dict), or None for HTTP 404

    def log_message(self, *args):
        pass

    def reply(self, code, body, ctype="application/json"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        parts = [urllib.parse.unquote(p) for p in self.path.strip("/").split("/")]
        if parts == ["jobs", "overview"]:
            if self.jobs is None:
                return self.reply(404, b'{"errors":["not found"]}')
            return self.reply(200, json.dumps(self.jobs).encode())
        if parts == ["taskmanagers"]:
            ids = sorted(set(self.reports) | self.broken | self.slow)
            body = {"taskmanagers": [{"id": i, "slotsNumber": 1} for i in ids]}
            return self.reply(200, json.dumps(body).encode())
        if len(parts) == 3 and parts[0] == "taskmanagers" and parts[2] == "logs":
            tm = parts[1]
            if tm in self.broken:
                return self.reply(500, b'{"errors":["boom"]}')
            if tm in self.slow:
                time.sleep(4)
            logs = [{"name": "taskmanager.log", "size": 10}] + \
                [{"name": n, "size": len(b)} for n, b in self.reports.get(tm, {}).items()]
            return self.reply(200, json.dumps({"logs": logs}).encode())
        if len(parts) == 4 and parts[0] == "taskmanagers" and parts[2] == "logs":
            data = self.reports.get(parts[1], {}).get(parts[3])
            if data is None:
                return self.reply(404, b'{"errors":["not found"]}')
            return self.reply(200, data, "text/plain")
        self.reply(404, b'{"errors":["not found"]}')


def serve(reports, broken=(), slow=(), jobs=None):
    Handler.reports = reports
    Handler.broken = set(broken)
    Handler.slow = set(slow)
    Handler.jobs = jobs
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
