#!/usr/bin/env python3
"""http_sink.py: an HTTP(S) upload endpoint for stepkit's tests (stdlib only).

It accepts PUT of a raw body (Content-Length or chunked), POST
multipart/form-data and any other POST (a webhook's JSON), stores what it receives under DIR/files/ and appends one
JSON line per request to DIR/requests.jsonl. Faults can be injected: answer
the first N uploads with an error status (and a Retry-After), delay every
answer, require basic or bearer auth, trickle every answer a few bytes per
second (a server that never stalls yet never finishes), answer every request
with a redirect.

  python3 http_sink.py --dir DIR [--listen 127.0.0.1:PORT | --port PORT]
      [--port-file FILE] [--fail-first N] [--fail-status 503|500|429|...]
      [--retry-after SECONDS] [--basic USER:PW | --bearer TOKEN]
      [--delay SECONDS] [--trickle BYTES_PER_SECOND] [--redirect LOCATION]
      [--tls-cert CERT --tls-key KEY]

Port 0 (the default) lets the kernel choose; the port is written to
--port-file (default DIR/port). "READY <port>" is printed on stdout once the
socket listens. Stop it with SIGTERM to its pid.

Where things go:
  PUT /a/b/name        -> DIR/files/a/b/name (201 new, 204 replaced)
  POST /a/b (multipart) -> DIR/files/a/b/FILENAME for every part with a
                          filename (200, JSON body listing the stored parts)
  POST /a/b (other)     -> DIR/files/a/b, the body as sent (200 "ok")
  GET/HEAD /a/b/name   -> the stored file (200) or 404
  GET /__stats         -> {"requests": n, "uploads": n, "failed": n, "stored": n}
requests.jsonl lines: {"method", "path", "query", "headers" (as received,
Authorization included, so a test can check what was sent), "size",
"sha256" (of the body as received), "status", "stored": [paths relative to
DIR/files], "parts": [{"name", "filename", "content_type", "size",
"sha256"}] (multipart only), "injected": true when a fault answered}.
"""

import argparse
import base64
import hashlib
import hmac
import json
import mmap
import os
import signal
import ssl
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHUNK = 1 << 20


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.requests = 0
        self.uploads = 0
        self.failed = 0
        self.stored = 0
        self.files = os.path.join(args.dir, "files")
        self.tmp = os.path.join(args.dir, "tmp")
        self.log_path = os.path.join(args.dir, "requests.jsonl")
        os.makedirs(self.files, exist_ok=True)
        os.makedirs(self.tmp, exist_ok=True)

    def log(self, rec):
        line = json.dumps(rec, sort_keys=True) + "\n"
        with self.lock:
            with open(self.log_path, "a", encoding="utf-8") as f:
                f.write(line)


class Discard:
    """A sink for a body nobody keeps."""

    def write(self, b):
        return len(b)


def safe_relpath(urlpath):
    """The request path as a path under files/, or None if it escapes."""
    parts = [p for p in urllib.parse.unquote(urlpath).split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None
    return "/".join(parts)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "stepkit-http-sink/1"

    def log_message(self, fmt, *a):  # requests.jsonl is the log
        pass

    # -- helpers -----------------------------------------------------------
    @property
    def st(self):
        return self.server.state

    def reply(self, status, body=b"", ctype="text/plain", extra=None):
        if isinstance(body, str):
            body = body.encode()
        if self.st.args.trickle:
            self.trickle(status, body, ctype, extra)
            return
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def trickle(self, status, body, ctype, extra):
        """--trickle: the status line and headers at once, then the body
        (padded with 256 spaces, as S3 keeps a slow answer alive) at
        --trickle bytes per second, so bytes keep moving and no stall
        timeout fires. An answer to HEAD has no body: its headers trickle."""
        body = body + b" " * 256
        head = "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n" % (
            status, self.responses.get(status, ("",))[0], ctype, len(body))
        for k, v in (extra or {}).items():
            head += "%s: %s\r\n" % (k, v)
        fast, slow = (head + "\r\n").encode(), body
        if self.command == "HEAD":
            fast, slow = b"", fast
        step = 1.0 / self.st.args.trickle
        try:
            self.wfile.write(fast)
            self.wfile.flush()
            for i in range(len(slow)):
                self.wfile.write(slow[i : i + 1])
                self.wfile.flush()
                time.sleep(step)
        except OSError:
            pass  # the client gave up: what the test wants
        self.close_connection = True

    def redirected(self, rec):
        """--redirect: answer 302 with the Location, store nothing."""
        if not self.st.args.redirect:
            return False
        if self.command in ("PUT", "POST"):
            self.read_body(Discard())
        rec["status"] = 302
        self.st.log(rec)
        self.reply(302, "moved\n", extra={"Location": self.st.args.redirect})
        return True

    def read_body(self, sink):
        """Read the request body (Content-Length or chunked) into file `sink`.
        Returns (size, sha256 hex)."""
        h = hashlib.sha256()
        size = 0
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            while True:
                line = self.rfile.readline(65537)
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                left = n
                while left:
                    b = self.rfile.read(min(left, CHUNK))
                    if not b:
                        raise ConnectionError("client closed mid-chunk")
                    h.update(b)
                    sink.write(b)
                    left -= len(b)
                    size += len(b)
                self.rfile.readline(3)
        else:
            left = int(self.headers.get("Content-Length") or 0)
            while left:
                b = self.rfile.read(min(left, CHUNK))
                if not b:
                    raise ConnectionError("client closed mid-body")
                h.update(b)
                sink.write(b)
                left -= len(b)
                size += len(b)
        return size, h.hexdigest()

    def auth_ok(self):
        a = self.st.args
        got = self.headers.get("Authorization") or ""
        if a.basic:
            want = "Basic " + base64.b64encode(a.basic.encode()).decode()
            return hmac.compare_digest(got.encode(), want.encode())
        if a.bearer:
            return hmac.compare_digest(got.encode(), ("Bearer " + a.bearer).encode())
        return True

    def base_record(self):
        u = urllib.parse.urlsplit(self.path)
        return {
            "method": self.command,
            "path": u.path,
            "query": u.query,
            "headers": {k: v for k, v in self.headers.items()},
            "time": time.time(),
        }

    # -- uploads -----------------------------------------------------------
    def upload(self):
        st = self.st
        rec = self.base_record()
        with st.lock:
            st.requests += 1
            st.uploads += 1
            nth = st.uploads
        if self.redirected(rec):
            return
        tmp = tempfile.NamedTemporaryFile(dir=st.tmp, delete=False)
        try:
            try:
                size, digest = self.read_body(tmp)
            finally:
                tmp.close()
            rec["size"], rec["sha256"] = size, digest
            if st.args.delay:
                time.sleep(st.args.delay)
            if nth <= st.args.fail_first:
                with st.lock:
                    st.failed += 1
                extra = {}
                if st.args.retry_after is not None:
                    extra["Retry-After"] = st.args.retry_after
                rec.update(status=st.args.fail_status, injected=True)
                st.log(rec)
                self.reply(st.args.fail_status, "injected failure %d\n" % nth, extra=extra)
                return
            if not self.auth_ok():
                rec["status"] = 401
                st.log(rec)
                scheme = 'Basic realm="upload"' if st.args.basic else "Bearer"
                self.reply(401, "unauthorized\n", extra={"WWW-Authenticate": scheme})
                return
            rel = safe_relpath(rec["path"])
            if rel is None:
                rec["status"] = 400
                st.log(rec)
                self.reply(400, "bad path\n")
                return
            ctype = (self.headers.get("Content-Type") or "").lower()
            if self.command == "PUT":
                self.store_put(rec, rel, tmp.name)
            elif ctype.startswith("multipart/"):
                self.store_multipart(rec, rel, tmp.name)
            else:
                self.store_post(rec, rel, tmp.name)
        finally:
            if os.path.exists(tmp.name):
                os.unlink(tmp.name)

    def store_put(self, rec, rel, tmpname):
        if rel == "":
            rec["status"] = 400
            self.st.log(rec)
            self.reply(400, "PUT needs a file name in the path\n")
            return
        dest = os.path.join(self.st.files, rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        existed = os.path.exists(dest)
        os.replace(tmpname, dest)
        with self.st.lock:
            self.st.stored += 1
        rec.update(status=204 if existed else 201, stored=[rel])
        self.st.log(rec)
        self.reply(rec["status"], "" if existed else "created\n")

    def store_post(self, rec, rel, tmpname):
        """A POST that is not multipart (a webhook's JSON, a form): the body
        is kept as DIR/files/<path> (the last one wins), answered 200 "ok"
        as Slack and Teams do."""
        if rel == "":
            rel = "_post"
        dest = os.path.join(self.st.files, rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        os.replace(tmpname, dest)
        with self.st.lock:
            self.st.stored += 1
        rec.update(status=200, stored=[rel])
        self.st.log(rec)
        self.reply(200, "ok")

    def store_multipart(self, rec, rel, tmpname):
        ctype = self.headers.get("Content-Type") or ""
        boundary = None
        for p in ctype.split(";")[1:]:
            k, _, v = p.strip().partition("=")
            if k.lower() == "boundary":
                boundary = v.strip('"')
        if not boundary:
            rec["status"] = 400
            self.st.log(rec)
            self.reply(400, "multipart POST without a boundary\n")
            return
        try:
            parts = split_multipart(tmpname, boundary.encode())
        except ValueError as e:
            rec["status"] = 400
            self.st.log(rec)
            self.reply(400, "bad multipart body: %s\n" % e)
            return
        stored, info = [], []
        with open(tmpname, "rb") as f:
            mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if os.path.getsize(tmpname) else b""
            for hdrs, start, end in parts:
                disp = hdrs.get("content-disposition", "")
                params = parse_params(disp)
                data = mm[start:end]
                item = {
                    "name": params.get("name"),
                    "filename": params.get("filename"),
                    "content_type": hdrs.get("content-type"),
                    "size": end - start,
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
                fn = params.get("filename")
                if fn:
                    fn = os.path.basename(fn)
                    target = (rel + "/" + fn) if rel else fn
                    dest = os.path.join(self.st.files, target)
                    os.makedirs(os.path.dirname(dest), exist_ok=True)
                    with open(dest, "wb") as out:
                        out.write(data)
                    stored.append(target)
                    item["stored"] = target
                info.append(item)
            if mm != b"":
                mm.close()
        with self.st.lock:
            self.st.stored += len(stored)
        rec.update(status=200, stored=stored, parts=info)
        self.st.log(rec)
        self.reply(200, json.dumps({"stored": stored}) + "\n", "application/json")

    # -- methods -----------------------------------------------------------
    def do_PUT(self):
        self.upload()

    def do_POST(self):
        self.upload()

    def do_GET(self):
        st = self.st
        rec = self.base_record()
        with st.lock:
            st.requests += 1
        if self.redirected(rec):
            return
        if rec["path"] == "/__stats":
            with st.lock:
                body = json.dumps({"requests": st.requests, "uploads": st.uploads,
                                   "failed": st.failed, "stored": st.stored})
            self.reply(200, body + "\n", "application/json")
            return
        rel = safe_relpath(rec["path"])
        dest = os.path.join(st.files, rel) if rel else None
        if not dest or not os.path.isfile(dest):
            rec["status"] = 404
            st.log(rec)
            self.reply(404, "not found\n")
            return
        if not self.auth_ok():
            rec["status"] = 401
            st.log(rec)
            self.reply(401, "unauthorized\n")
            return
        with open(dest, "rb") as f:
            body = f.read()
        rec["status"] = 200
        st.log(rec)
        self.reply(200, body, "application/octet-stream")

    do_HEAD = do_GET


def parse_params(header):
    """Parameters of a Content-Disposition-like header: name="x"; filename="y"."""
    out = {}
    for p in header.split(";")[1:]:
        k, _, v = p.strip().partition("=")
        v = v.strip()
        if len(v) >= 2 and v[0] == v[-1] == '"':
            v = v[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        out[k.lower()] = v
    return out


def split_multipart(path, boundary):
    """Find the parts of a multipart body stored in `path` without loading it
    into Python objects: a list of (headers dict, data start, data end)."""
    size = os.path.getsize(path)
    if size == 0:
        raise ValueError("empty body")
    with open(path, "rb") as f:
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            delim = b"--" + boundary
            if not mm[: len(delim)] == delim:
                raise ValueError("body does not start with the boundary")
            pos = len(delim)
            parts = []
            while True:
                if mm[pos : pos + 2] == b"--":
                    return parts
                if mm[pos : pos + 2] != b"\r\n":
                    raise ValueError("no CRLF after the boundary")
                hend = mm.find(b"\r\n\r\n", pos + 2)
                if hend < 0:
                    raise ValueError("part headers do not end")
                hdrs = {}
                for line in mm[pos + 2 : hend].split(b"\r\n"):
                    if line:
                        k, _, v = line.decode("utf-8", "replace").partition(":")
                        hdrs[k.strip().lower()] = v.strip()
                start = hend + 4
                end = mm.find(b"\r\n" + delim, start)
                if end < 0:
                    raise ValueError("part does not end with the boundary")
                parts.append((hdrs, start, end))
                pos = end + 2 + len(delim)
        finally:
            mm.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", required=True)
    ap.add_argument("--listen", help="127.0.0.1:PORT")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--fail-status", type=int, default=503)
    ap.add_argument("--retry-after")
    ap.add_argument("--basic", metavar="USER:PW")
    ap.add_argument("--bearer", metavar="TOKEN")
    ap.add_argument("--delay", type=float, default=0)
    ap.add_argument("--trickle", type=float, default=0, metavar="BYTES_PER_SECOND")
    ap.add_argument("--redirect", metavar="LOCATION")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    args = ap.parse_args()
    host, port = "127.0.0.1", args.port
    if args.listen:
        host, _, p = args.listen.rpartition(":")
        port = int(p)
    if host not in ("127.0.0.1", "localhost", "::1"):
        ap.error("binds to loopback only")
    os.makedirs(args.dir, exist_ok=True)

    httpd = ThreadingHTTPServer((host, port), Handler)
    httpd.daemon_threads = True
    httpd.state = State(args)
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    port = httpd.server_address[1]
    pf = args.port_file or os.path.join(args.dir, "port")
    with open(pf + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.replace(pf + ".tmp", pf)

    def stop(sig, frame):
        threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("READY %d" % port, flush=True)
    httpd.serve_forever(poll_interval=0.1)
    httpd.server_close()


if __name__ == "__main__":
    main()
