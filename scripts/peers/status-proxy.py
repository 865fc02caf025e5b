#!/usr/bin/env python3
"""An HTTP proxy for the sink tests that answers for the real server behind it, the way a busy or full service
does: forwards 127.0.0.1:<printed port> to TARGET_PORT untouched, except the first COUNT requests of METHOD, which
it answers itself with STATUS and a Retry-After header (RETRY: seconds, or "date:N" for an HTTP-date N seconds
ahead) after reading their body. The body is S3's error document for 503 and 429 (SlowDown), so an S3 client sees
what AWS sends; a WebDAV client only reads the status. Each request is a JSON line in LOG: its arrival time,
method, path and the status injected (null when the server answered). Prints the port once ready.

usage: status-proxy.py TARGET_PORT LOG METHOD:STATUS:COUNT:RETRY [...]
"""
import email.utils
import json
import socket
import sys
import threading
import time

target_port, log_path = int(sys.argv[1]), sys.argv[2]
rules = []
for spec in sys.argv[3:]:
    method, status, count, retry = spec.split(":", 3)
    rules.append({"method": method, "status": int(status), "left": int(count), "retry": retry})
lock = threading.Lock()
REASONS = {429: "Too Many Requests", 503: "Service Unavailable", 507: "Insufficient Storage"}


def log(entry):
    with lock, open(log_path, "a") as f:
        f.write(json.dumps(entry) + "\n")


def read_head(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        piece = conn.recv(65536)
        if not piece:
            return None, b""
        data += piece
    head, rest = data.split(b"\r\n\r\n", 1)
    return head.decode("latin-1"), rest


def take_rule(method):
    with lock:
        for rule in rules:
            if rule["method"] == method and rule["left"] > 0:
                rule["left"] -= 1
                return rule
    return None


def retry_after(value):
    if value.startswith("date:"):
        return email.utils.formatdate(time.time() + float(value[5:]), usegmt=True)
    return value


def pump(source, sink):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    for s in (source, sink):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def handle(client):
    head, rest = read_head(client)
    if head is None:
        client.close()
        return
    request_line = head.split("\r\n", 1)[0].split(" ")
    method, path = request_line[0], request_line[1] if len(request_line) > 1 else ""
    headers = {}
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    rule = take_rule(method)
    log({"time": time.time(), "method": method, "path": path, "injected": rule["status"] if rule else None})
    if rule:
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            piece = client.recv(65536)
            if not piece:
                break
            rest += piece
        body = b""
        if rule["status"] in (429, 503):
            body = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
                    b"<Message>Please reduce your request rate.</Message></Error>")
        reply = (f"HTTP/1.1 {rule['status']} {REASONS.get(rule['status'], 'Error')}\r\n"
                 f"Retry-After: {retry_after(rule['retry'])}\r\nContent-Type: application/xml\r\n"
                 f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body
        try:
            client.sendall(reply)
            client.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        client.close()
        return
    try:
        server = socket.create_connection(("127.0.0.1", target_port))
    except OSError:
        client.close()
        return
    server.sendall(head.encode("latin-1") + b"\r\n\r\n" + rest)
    threading.Thread(target=pump, args=(client, server), daemon=True).start()
    threading.Thread(target=pump, args=(server, client), daemon=True).start()


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(16)
print(listener.getsockname()[1], flush=True)
while True:
    conn, _ = listener.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
