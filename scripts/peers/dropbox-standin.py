#!/usr/bin/env python3
"""A local stand-in for Dropbox's HTTP API (v2), for the dropbox sink tests: Dropbox itself cannot be reached here.
It follows the published API for what the sink uses:

  POST /oauth2/token                         grant_type=refresh_token&refresh_token=..&client_id=..
  POST /2/files/upload                       Dropbox-API-Arg {"path", "mode"}; body: the file
  POST /2/files/upload_session/start         Dropbox-API-Arg {"close": false}; body: the first chunk
  POST /2/files/upload_session/append_v2     {"cursor": {"session_id", "offset"}, "close": false}
  POST /2/files/upload_session/finish        {"cursor": {...}, "commit": {"path", "mode", "autorename"}}
  POST /2/files/get_metadata                 JSON body {"path"}
  POST /2/files/delete_v2                    JSON body {"path"}

Errors as Dropbox answers them: 401 {"error": {".tag": "expired_access_token"}} once an access token is used up,
409 with "error_summary" and "error" (incorrect_offset with correct_offset, path/not_found, path/conflict/folder,
lookup_failed/not_found), 429 with Retry-After. content_hash is Dropbox's: sha256 of the 4 MiB blocks' sha256s.
Files land under ROOT (the Dropbox path, lower-cased as Dropbox compares paths). Prints its port once ready.

Options (environment): TOKEN_USES=N (an access token expires after N API calls, default 1000),
RATE_LIMIT_FIRST=N (the first N content calls answer 429 with Retry-After: 1),
LOSE_APPEND_REPLY=N (the Nth append_v2 is applied but its reply is lost: the connection closes).

usage: dropbox-standin.py ROOT CLIENT_ID REFRESH_TOKEN
"""
import hashlib
import http.server
import json
import os
import secrets
import sys
import threading
import urllib.parse

root, client_id, refresh_token = sys.argv[1:4]
token_uses = int(os.environ.get("TOKEN_USES", "1000"))
rate_limit_first = int(os.environ.get("RATE_LIMIT_FIRST", "0"))
lose_append_reply = int(os.environ.get("LOSE_APPEND_REPLY", "0"))
lock = threading.Lock()
tokens = {}  # access token -> uses left
sessions = {}  # session id -> bytearray
counters = {"content": 0, "append": 0, "refreshes": 0}
BLOCK = 4 << 20


def content_hash(data):
    blocks = b"".join(hashlib.sha256(data[i:i + BLOCK]).digest() for i in range(0, len(data), BLOCK))
    return hashlib.sha256(blocks).hexdigest()


def local(path):
    return os.path.join(root, path.lower().lstrip("/"))


def metadata(path):
    with open(local(path), "rb") as f:
        data = f.read()
    return {".tag": "file", "name": os.path.basename(path), "path_display": path, "path_lower": path.lower(),
            "id": "id:" + hashlib.md5(path.lower().encode()).hexdigest(), "size": len(data),
            "content_hash": content_hash(data), "rev": "0123456789abcdef"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, summary, error):
        self.reply(status, {"error_summary": summary, "error": error})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if len(body) != length:
            self.close_connection = True
            return
        route = urllib.parse.urlparse(self.path).path
        if route == "/oauth2/token":
            form = urllib.parse.parse_qs(body.decode())
            if form.get("grant_type") != ["refresh_token"] or form.get("client_id") != [client_id] \
                    or form.get("refresh_token") != [refresh_token]:
                return self.reply(400, {"error": "invalid_grant", "error_description": "refresh token is malformed"})
            token = "sl." + secrets.token_urlsafe(24)
            with lock:
                tokens[token] = token_uses
                counters["refreshes"] += 1
            return self.reply(200, {"access_token": token, "token_type": "bearer", "expires_in": 14400})
        auth = self.headers.get("Authorization", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else ""
        with lock:
            uses = tokens.get(token)
            if uses is None:
                return self.reply(401, {"error_summary": "invalid_access_token/", "error": {".tag": "invalid_access_token"}})
            if uses <= 0:
                return self.reply(401, {"error_summary": "expired_access_token/", "error": {".tag": "expired_access_token"}})
            tokens[token] = uses - 1
        if route == "/2/files/get_metadata":
            path = json.loads(body)["path"]
            if not os.path.isfile(local(path)):
                return self.error(409, "path/not_found/", {".tag": "path", "path": {".tag": "not_found"}})
            return self.reply(200, metadata(path))
        if route == "/2/files/delete_v2":
            path = json.loads(body)["path"]
            if not os.path.isfile(local(path)):
                return self.error(409, "path_lookup/not_found/", {".tag": "path_lookup", "path_lookup": {".tag": "not_found"}})
            meta = metadata(path)
            os.unlink(local(path))
            return self.reply(200, {"metadata": meta})
        arg = json.loads(self.headers.get("Dropbox-API-Arg", "{}"))
        with lock:
            counters["content"] += 1
            if counters["content"] <= rate_limit_first:
                return self.reply(429, {"error_summary": "too_many_requests/", "error": {"reason": {".tag": "too_many_requests"}, "retry_after": 1}},
                                  {"Retry-After": "1"})
        if route == "/2/files/upload":
            return self.commit(arg, bytes(body))
        if route == "/2/files/upload_session/start":
            session = secrets.token_hex(16)
            with lock:
                sessions[session] = bytearray(body)
            return self.reply(200, {"session_id": session})
        if route in ("/2/files/upload_session/append_v2", "/2/files/upload_session/finish"):
            cursor = arg["cursor"]
            with lock:
                data = sessions.get(cursor["session_id"])
                if data is None:
                    return self.error(409, "lookup_failed/not_found/", {".tag": "lookup_failed", "lookup_failed": {".tag": "not_found"}})
                if cursor["offset"] != len(data):
                    return self.error(409, "lookup_failed/incorrect_offset/",
                                      {".tag": "lookup_failed", "lookup_failed": {".tag": "incorrect_offset", "correct_offset": len(data)}})
                data.extend(body)
                lost = False
                if route.endswith("append_v2"):
                    counters["append"] += 1
                    lost = counters["append"] == lose_append_reply
            if route.endswith("finish"):
                with lock:
                    del sessions[cursor["session_id"]]
                return self.commit(arg["commit"], bytes(data))
            if lost:
                self.close_connection = True
                self.connection.shutdown(2)
                return
            return self.reply(200, None)
        self.reply(404, {"error_summary": "unknown endpoint"})

    def commit(self, commit, data):
        path = commit["path"]
        target = local(path)
        if os.path.isdir(target):
            return self.error(409, "path/conflict/folder/", {".tag": "path", "reason": {".tag": "conflict", "conflict": {".tag": "folder"}}})
        mode = commit.get("mode", "add")
        mode = mode if isinstance(mode, str) else mode.get(".tag", "add")
        if os.path.isfile(target) and mode == "add" and content_hash(open(target, "rb").read()) != content_hash(data):
            return self.error(409, "path/conflict/file/", {".tag": "path", "reason": {".tag": "conflict", "conflict": {".tag": "file"}}})
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target + ".standin-tmp", "wb") as f:
            f.write(data)
        os.replace(target + ".standin-tmp", target)
        return self.reply(200, metadata(path))


server = http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "0"))), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
