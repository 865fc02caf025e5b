#!/usr/bin/env python3
"""A webhook peer for the sink tests: records every POST body (one JSON line each) in LOG and answers with the
statuses given, in turn (the last one repeats). A status may carry a Retry-After: 503:2 answers 503 with
Retry-After: 2. Prints the port it listens on once ready.

usage: webhook-server.py LOG [STATUS[:RETRY_AFTER] ...]
"""
import http.server
import json
import sys
import threading

log_path = sys.argv[1]
answers = sys.argv[2:] or ["200"]
lock = threading.Lock()
count = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global count
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        with lock:
            answer = answers[min(count, len(answers) - 1)]
            count += 1
            status, _, retry_after = answer.partition(":")
            with open(log_path, "a") as log:
                log.write(json.dumps({"status": int(status), "authorization": self.headers.get("Authorization"),
                                      "body": body.decode("utf-8", "replace")}) + "\n")
        self.send_response(int(status))
        if retry_after:
            self.send_header("Retry-After", retry_after)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
