#!/usr/bin/env python3
"""A local stand-in for Dropbox's HTTP API (v2), for the dropbox sink tests: Dropbox itself cannot be reached here.
It follows the published API for what the sink and `teslacam sinks login` use:

  GET  /oauth2/authorize                     client_id, response_type=code, code_challenge, code_challenge_method
                                             (S256 or plain), token_access_type=offline: the page that shows the
                                             owner a code to paste (the stand-in's owner always allows the app)
  POST /oauth2/token                         grant_type=authorization_code&code=..&code_verifier=..&client_id=..
                                             (PKCE: the verifier must hash to the challenge; a code works once, for
                                             10 minutes; a refresh token comes back for token_access_type=offline),
                                             or grant_type=refresh_token&refresh_token=..&client_id=..
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
GET /standin/counters (not Dropbox's) answers what happened, for the tests: refreshes, codes exchanged, expired
answers.

Options (environment): TOKEN_USES=N (an access token expires after N API calls, default 1000),
TOKEN_SECONDS=N (an access token expires N seconds after it was issued, and expires_in says so; default 14400),
RATE_LIMIT_FIRST=N (the first N content calls answer 429 with Retry-After: 1),
LOSE_APPEND_REPLY=N (the Nth append_v2 is applied but its reply is lost: the connection closes).

usage: dropbox-standin.py ROOT CLIENT_ID REFRESH_TOKEN
"""
import base64
import hashlib
import html
import http.server
import json
import os
import secrets
import sys
import threading
import time
import urllib.parse

root, client_id, refresh_token = sys.argv[1:4]
token_uses = int(os.environ.get("TOKEN_USES", "1000"))
token_seconds = int(os.environ.get("TOKEN_SECONDS", "14400"))
rate_limit_first = int(os.environ.get("RATE_LIMIT_FIRST", "0"))
lose_append_reply = int(os.environ.get("LOSE_APPEND_REPLY", "0"))
lock = threading.Lock()
tokens = {}  # access token -> [uses left, expiry time]
refresh_tokens = {refresh_token}
codes = {}  # authorization code -> {"challenge", "method", "offline", "issued"}
sessions = {}  # session id -> bytearray
counters = {"content": 0, "append": 0, "refreshes": 0, "codes": 0, "expired": 0}
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

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        if url.path == "/standin/counters":
            with lock:
                return self.reply(200, dict(counters))
        if url.path != "/oauth2/authorize":
            return self.reply(404, {"error_summary": "unknown endpoint"})
        query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        problem = None
        if query.get("client_id") != client_id:
            problem = "Invalid client_id"
        elif query.get("response_type") != "code":
            problem = "Invalid response_type: must be code"
        elif query.get("code_challenge_method", "plain") not in ("S256", "plain"):
            problem = "Invalid code_challenge_method"
        elif not 43 <= len(query.get("code_challenge", "")) <= 128:
            problem = "Invalid code_challenge: must be 43 to 128 characters"
        if problem:
            page = f"<html><body><h1>Error (400)</h1><p>{html.escape(problem)}</p></body></html>".encode()
            status = 400
        else:
            code = secrets.token_urlsafe(32)
            with lock:
                codes[code] = {"challenge": query["code_challenge"], "method": query.get("code_challenge_method", "plain"),
                               "offline": query.get("token_access_type") == "offline", "issued": time.time()}
            page = ("<html><body><h1>Enter this code into teslacam to finish the process</h1>"
                    f'<input type="text" readonly value="{code}" class="auth-code"></body></html>').encode()
            status = 200
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def grant(self, form):
        code = form.get("code", [""])[0]
        with lock:
            entry = codes.pop(code, None)
        if entry is None or time.time() - entry["issued"] > 600:
            return self.reply(400, {"error": "invalid_grant", "error_description": "code doesn't exist or has expired"})
        if form.get("client_id") != [client_id]:
            return self.reply(400, {"error": "invalid_client", "error_description": "Invalid client_id"})
        verifier = form.get("code_verifier", [""])[0]
        hashed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if (hashed if entry["method"] == "S256" else verifier) != entry["challenge"]:
            return self.reply(400, {"error": "invalid_grant", "error_description": "invalid code verifier"})
        token = "sl." + secrets.token_urlsafe(24)
        answer = {"access_token": token, "token_type": "bearer", "expires_in": token_seconds,
                  "scope": "files.content.read files.content.write files.metadata.read",
                  "uid": "12345", "account_id": "dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc"}
        with lock:
            tokens[token] = [token_uses, time.time() + token_seconds]
            counters["codes"] += 1
            if entry["offline"]:
                fresh = secrets.token_urlsafe(48)
                refresh_tokens.add(fresh)
                answer["refresh_token"] = fresh
        return self.reply(200, answer)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if len(body) != length:
            self.close_connection = True
            return
        route = urllib.parse.urlparse(self.path).path
        if route == "/oauth2/token":
            form = urllib.parse.parse_qs(body.decode())
            if form.get("grant_type") == ["authorization_code"]:
                return self.grant(form)
            with lock:
                known = form.get("refresh_token", [""])[0] in refresh_tokens
            if form.get("grant_type") != ["refresh_token"] or form.get("client_id") != [client_id] or not known:
                return self.reply(400, {"error": "invalid_grant", "error_description": "refresh token is malformed"})
            token = "sl." + secrets.token_urlsafe(24)
            with lock:
                tokens[token] = [token_uses, time.time() + token_seconds]
                counters["refreshes"] += 1
            return self.reply(200, {"access_token": token, "token_type": "bearer", "expires_in": token_seconds})
        auth = self.headers.get("Authorization", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else ""
        with lock:
            entry = tokens.get(token)
            if entry is None:
                return self.reply(401, {"error_summary": "invalid_access_token/", "error": {".tag": "invalid_access_token"}})
            if entry[0] <= 0 or time.time() >= entry[1]:
                counters["expired"] += 1
                return self.reply(401, {"error_summary": "expired_access_token/", "error": {".tag": "expired_access_token"}})
            entry[0] -= 1
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
