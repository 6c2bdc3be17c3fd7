"""A tiny HTTP proxy in front of a mock that dies like a crashing slurmrestd (os._exit, no answer, the
listening socket gone): `after=N` on the (N+1)-th request that is not /openapi/v3, `crashers` on a request
matching a known [[crash]] entry (wckeys with only_defaults and a usage time; POST slurmdb jobs/ without
job_rec). Run: python dying_server.py PORT UPSTREAM_URL after=N|crashers"""

import http.client
import json
import os
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PORT, UPSTREAM, MODE = int(sys.argv[1]), urlsplit(sys.argv[2]), sys.argv[3]
LOCK = threading.Lock()
COUNT = [0]


def crashes(method: str, target: str, body: bytes) -> bool:
    url = urlsplit(target)
    query = parse_qs(url.query, keep_blank_values=True)
    if re.match(r"^/slurmdb/v[\d.]+/wckeys/?$", url.path) and "only_defaults" in query and (
            "usage_end" in query or "usage_start" in query):
        return True
    if method == "POST" and re.match(r"^/slurmdb/v[\d.]+/jobs/?$", url.path):
        try:
            data = json.loads(body or b"null")
        except ValueError:
            return False
        return not isinstance(data, dict) or "job_rec" not in data
    return False


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _any(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if MODE.startswith("after="):
            if not self.path.startswith("/openapi"):
                with LOCK:
                    COUNT[0] += 1
                    if COUNT[0] > int(MODE.split("=")[1]):
                        os._exit(1)
        elif crashes(self.command, self.path, body):
            os._exit(1)
        conn = http.client.HTTPConnection(UPSTREAM.hostname, UPSTREAM.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        conn.request(self.command, self.path, body=body or None, headers=headers)
        r = conn.getresponse()
        data = r.read()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("content-length", "connection", "transfer-encoding", "date", "server"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        conn.close()

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = do_HEAD = do_OPTIONS = do_TRACE = _any


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", PORT), Proxy)
    print("ready", flush=True)
    server.serve_forever()
