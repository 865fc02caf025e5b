#!/usr/bin/env python3
"""WsgiDAV on loopback for the webdav sink tests: a folder served over WebDAV with basic authentication, and a
quota like a NAS share or Nextcloud has: a PUT that would take the folder past the bytes named in QUOTA_FILE is
answered 507 Insufficient Storage (the file is re-read on every PUT, so a test can "free space" by raising it).
Prints the port it listens on once ready.

usage: webdav-server.py ROOT USER PASSWORD [QUOTA_FILE]    (WEBDAV_PORT=N to listen on a given port)
"""
import os
import sys

from cheroot import wsgi
from wsgidav.dav_error import HTTP_INSUFFICIENT_STORAGE, DAVError
from wsgidav.fs_dav_provider import FileResource, FilesystemProvider
from wsgidav.wsgidav_app import WsgiDAVApp

root, user, password = sys.argv[1:4]
quota_file = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else None


def used_bytes():
    total = 0
    for folder, _, files in os.walk(root):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(folder, name))
            except OSError:
                pass
    return total


class QuotaFileResource(FileResource):
    def begin_write(self, *, content_type=None):
        if quota_file:
            with open(quota_file) as f:
                quota = int(f.read().strip() or "0")
            incoming = int(self.environ.get("CONTENT_LENGTH") or 0)
            if used_bytes() + incoming > quota:
                raise DAVError(HTTP_INSUFFICIENT_STORAGE, "quota exceeded")
        return super().begin_write(content_type=content_type)


class QuotaProvider(FilesystemProvider):
    def get_resource_inst(self, path, environ):
        resource = super().get_resource_inst(path, environ)
        if isinstance(resource, FileResource):
            resource.__class__ = QuotaFileResource
        return resource


config = {
    "provider_mapping": {"/": QuotaProvider(root)},
    "http_authenticator": {"accept_basic": True, "accept_digest": False, "default_to_digest": False},
    "simple_dc": {"user_mapping": {"*": {user: {"password": password}}}},
    "verbose": 0,
    "logging": {"enable": False, "enable_loggers": []},
    "property_manager": True,
    "lock_storage": True,
}
app = WsgiDAVApp(config)
server = wsgi.Server(("127.0.0.1", int(os.environ.get("WEBDAV_PORT", "0"))), app)
server.prepare()
print(server.bind_addr[1], flush=True)
server.serve()
