#!/usr/bin/env python3
"""Test receiver for BGPSentry's HTTP sinks (webhook, Alertmanager, Slack) on 127.0.0.1.

Records every POST as one JSON line {"path", "headers", "body"} in --out; answers HTTP 500 to the first
--fail-first requests (a sink that is down), or sleeps --delay seconds per request (a slow sink).
Writes the port it listens on to --port-file once ready.
"""
import argparse, json, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

p = argparse.ArgumentParser()
p.add_argument("--out", required=True)
p.add_argument("--port-file", required=True)
p.add_argument("--port", type=int, default=0)
p.add_argument("--fail-first", type=int, default=0)
p.add_argument("--delay", type=float, default=0)
a = p.parse_args()
lock = threading.Lock()
count = [0]

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real receivers

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock:
            count[0] += 1
            n = count[0]
        if a.delay:
            time.sleep(a.delay)
        if n <= a.fail_first:
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with lock, open(a.out, "a") as f:
            f.write(json.dumps({"path": self.path, "headers": dict(self.headers), "body": body.decode(), "at": time.time()}) + "\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass

s = ThreadingHTTPServer(("127.0.0.1", a.port), H)
with open(a.port_file + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
import os
os.rename(a.port_file + ".tmp", a.port_file)
s.serve_forever()
