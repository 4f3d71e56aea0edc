#!/usr/bin/env python3
"""A marketplace seller API for extract-api's tests (stdlib only, 127.0.0.1).

    python3 tests/servers/api_server.py --dir DIR [--port N] [options]

Endpoints (every answer JSON unless a fault says otherwise):
  POST /v2/analytics/stock_on_warehouses  body {"limit": 1..1000, "offset": N,
       "warehouse_type": "ALL"} -> {"result": {"rows": [...]}}; the last page
       is short (or empty). The reference case of issue 13.
  GET  /v1/items?page=N&page_size=M       -> {"items": [...], "has_next": bool,
       "total": ROWS} (pages from 1)
  POST /v1/cursor  body {"limit": N, "last_id": "..."} (no last_id: the first
       page) -> {"result": {"items": [...], "last_id": "..."}}; "" when done
  GET  /v1/linked?page=N&page_size=M    -> [...] (the records), with
       `Link: <...>; rel="first"` and `Link: </v1/linked?page=N+1...>; rel="next"`
       while more follow (--link-host H: the next link absolute, on host H;
       --link-pad N: N bytes of padding in the first Link header)
  GET  /__stats                           -> {"requests": N} (not counted)
  POST /__reset  body {"rows": 25, "script": "2=503", ...}: a new scenario
       (the options below by their names, with '_' for '-'; the others back to
       the command line's), the request counter and DIR/requests.jsonl emptied

Checks: with --client-id/--api-key both headers must match, else 401 with a
JSON message that quotes the Api-Key it got (so a test can see the client
redact it from its logs).

Faults, by the number of the data request (1-based, every endpoint counted,
in arrival order): --script "2=503,3=429,5=html" where an action is
500, 502, 503 (Retry-After 0), 429[:SECONDS] (Retry-After SECONDS, default 1),
html (200 with an HTML page), badjson (200, JSON cut short), badutf8
(200, a Latin-1 byte in a string), empty (200, no
body), reset (headers, then the connection closes mid-body), stall (headers
and half the body, then silence for 30 s), 400 (a bad request message).
"*=503" applies to every request. --quota R answers 429 (Retry-After 1) to
a request that comes less than 1/R s after the previous one. --delay S sleeps
S seconds before every data answer (slow pages). --repeat-cursor makes the
cursor endpoint answer the same last_id forever. --static-page (the benchmark)
answers every stock page with the first page's rows. --gzip sends answers
gzip-compressed (Content-Encoding: gzip) to a client that accepts it. --bad-rows 3,7 makes those
rows' sku a string that is not a number.

Every data request is one JSON line in DIR/requests.jsonl: n, method, path,
query, body (parsed JSON or null), status, action. The port goes to DIR/port;
"READY <port>" is printed once listening.
"""
import argparse
import gzip
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

WAREHOUSES = ["MOSCOW_RFC", "SPB_PARNAS", "KAZAN, RFC"]


def make_row(i, bad):
    if i % 5 == 0:
        name = 'Mug, "Big" 0.5 l'
    elif i % 5 == 1:
        name = "Чайник 1.7 л"
    else:
        name = "Item %d" % i
    return {
        "sku": ("x-%d" % i) if i in bad else 161875896 + i,
        "item_code": "A-%d" % i,
        "item_name": name,
        "warehouse_name": WAREHOUSES[i % 3],
        "free_to_sell_amount": i % 7,
        "promised_amount": i % 3,
        "reserved_amount": i % 2,
    }


class State:
    def __init__(self, args):
        self.args = args
        self.defaults = dict(vars(args))
        self.lock = threading.Lock()
        self.log = None
        self.reset({})

    def reset(self, settings):
        """A new scenario: the command line's settings, then `settings`
        (the same names: rows, script, quota, delay, repeat_cursor, bad_rows);
        the request counter and the request log start again."""
        with self.lock:
            for k, v in self.defaults.items():
                setattr(self.args, k, settings.get(k, v))
            self.gen = getattr(self, "gen", 0) + 1
            self.n = 0
            self.last = 0.0
            self.script = {}
            for part in filter(None, (self.args.script or "").split(",")):
                k, v = part.split("=", 1)
                self.script[k] = v
            self.bad = {int(x) for x in filter(None, (self.args.bad_rows or "").split(","))}
            if self.log:
                self.log.close()
            self.log = open(os.path.join(self.args.dir, "requests.jsonl"), "w", buffering=1)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "api_server/1"

    def log_message(self, fmt, *a):
        pass

    def reply(self, status, obj=None, raw=None, ctype="application/json", headers=()):
        body = raw if raw is not None else json.dumps(obj, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def handle_any(self):
        st = self.server.state
        a = st.args
        u = urlparse(self.path)
        n_len = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n_len) if n_len else b""
        if u.path == "/__stats":
            return self.reply(200, {"requests": st.n})
        if u.path == "/__reset":
            st.reset(json.loads(raw or b"{}"))
            return self.reply(200, {"ok": True})
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = "(not json)"
        with st.lock:
            st.n += 1
            n = st.n
            gen = st.gen
            now = time.monotonic()
            too_fast = a.quota and st.last and now - st.last < 1.0 / a.quota
            st.last = now
        action = st.script.get(str(n)) or st.script.get("*") or ""
        if not action and too_fast:
            action = "429:1"
        entry = {"n": n, "method": self.command, "path": u.path, "query": u.query,
                 "body": body, "action": action}
        status = self.serve(u, body, action, entry)
        entry["status"] = status
        with st.lock:
            if gen == st.gen:  # not a request of an earlier scenario that ends late
                st.log.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def serve(self, u, body, action, entry):
        a = self.server.state.args
        if a.delay:
            time.sleep(a.delay)
        if action in ("500", "502", "503"):
            self.reply(int(action), {"message": "upstream unavailable"},
                       headers=[("Retry-After", "0")] if action == "503" else [])
            return int(action)
        if action.startswith("429"):
            secs = action.split(":", 1)[1] if ":" in action else "1"
            self.reply(429, {"message": "rate limit exceeded"}, headers=[("Retry-After", secs)])
            return 429
        if action == "400":
            self.reply(400, {"code": 3, "message": "invalid request: limit out of range"})
            return 400
        if action == "html":
            self.reply(200, raw=b"<html><body><h1>Maintenance</h1></body></html>", ctype="text/html")
            return 200
        if action == "badjson":
            self.reply(200, raw=b'{"result": {"rows": [{"sku": 1,')
            return 200
        if action == "badutf8":
            self.reply(200, raw=b'{"result": {"rows": [{"sku": 1, "item_name": "caf\xe9"}]}}')
            return 200
        if action == "empty":
            self.reply(200, raw=b"")
            return 200
        if a.client_id is not None:
            cid = self.headers.get("Client-Id")
            key = self.headers.get("Api-Key")
            if cid != a.client_id or key != a.api_key:
                self.reply(401, {"code": 16, "message": "Client-Id %s: unknown Api-Key '%s'" % (cid, key)})
                return 401
        if u.path == "/v2/analytics/stock_on_warehouses" and self.command == "POST":
            if not isinstance(body, dict):
                self.reply(400, {"message": "body must be a JSON object"})
                return 400
            limit, offset = body.get("limit"), body.get("offset")
            if not isinstance(limit, int) or not 1 <= limit <= 1000 or not isinstance(offset, int) or offset < 0:
                self.reply(400, {"code": 3, "message": "limit must be 1..1000 and offset >= 0 (numbers)"})
                return 400
            if a.static_page:
                # the benchmark: the same encoded rows on every page, so that
                # the server (Python) costs little and the clients are measured
                n = max(0, min(offset + limit, a.rows) - offset)
                cache = self.server.state.__dict__.setdefault("static", {})
                if limit not in cache:
                    cache[limit] = [json.dumps(make_row(i, set()), ensure_ascii=False).encode()
                                    for i in range(limit)]
                data = b'{"result": {"rows": [' + b", ".join(cache[limit][:n]) + b"]}}"
                self.reply(200, raw=data)
                return 200
            rows = [make_row(i, self.server.state.bad) for i in range(offset, min(offset + limit, a.rows))]
            obj = {"result": {"rows": rows}}
        elif u.path == "/v1/items" and self.command == "GET":
            q = parse_qs(u.query)
            try:
                page, size = int(q["page"][0]), int(q.get("page_size", ["100"])[0])
            except (KeyError, ValueError):
                self.reply(400, {"message": "page and page_size must be numbers"})
                return 400
            lo = (page - 1) * size
            rows = [make_row(i, self.server.state.bad) for i in range(max(lo, 0), min(lo + size, a.rows))]
            obj = {"items": rows, "has_next": lo + size < a.rows, "total": a.rows}
        elif u.path == "/v1/linked" and self.command == "GET":
            q = parse_qs(u.query)
            try:
                page, size = int(q.get("page", ["1"])[0]), int(q.get("page_size", ["10"])[0])
            except ValueError:
                self.reply(400, {"message": "page and page_size must be numbers"})
                return 400
            lo = (page - 1) * size
            rows = [make_row(i, self.server.state.bad) for i in range(max(lo, 0), min(lo + size, a.rows))]
            links = []
            if lo + size < a.rows:
                nxt = "/v1/linked?page=%d&page_size=%d" % (page + 1, size)
                if a.link_host:
                    nxt = "http://%s:%d%s" % (a.link_host, self.server.server_address[1], nxt)
                pad = '; title="%s"' % ("x" * a.link_pad) if a.link_pad else ""
                links = [("Link", '</v1/linked?page=1&page_size=%d>; rel="first"%s' % (size, pad)),
                         ("Link", '<%s>; rel="next"' % nxt)]
            data = json.dumps(rows, ensure_ascii=False).encode()
            self.reply(200, raw=data, headers=links)
            return 200
        elif u.path == "/v1/cursor" and self.command == "POST":
            body = body if isinstance(body, dict) else {}
            limit = body.get("limit", 100)
            last = body.get("last_id")
            start = int(last[1:]) if isinstance(last, str) and last.startswith("c") else 0
            end = min(start + limit, a.rows)
            rows = [make_row(i, self.server.state.bad) for i in range(start, end)]
            nxt = "c1" if a.repeat_cursor else ("c%d" % end if end < a.rows else "")
            obj = {"result": {"items": rows, "last_id": nxt}}
        else:
            self.reply(404, {"message": "no such endpoint"})
            return 404
        data = json.dumps(obj, ensure_ascii=False).encode()
        if action == "reset":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return 200
        if action == "stall":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            time.sleep(30)
            self.close_connection = True
            return 200
        if a.gzip and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            entry["gzip"] = True
            self.reply(200, raw=gzip.compress(data), headers=[("Content-Encoding", "gzip")])
            return 200
        self.reply(200, raw=data)
        return 200


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--rows", type=int, default=2500)
    p.add_argument("--client-id")
    p.add_argument("--api-key")
    p.add_argument("--script")
    p.add_argument("--quota", type=float, default=0)
    p.add_argument("--delay", type=float, default=0)
    p.add_argument("--repeat-cursor", action="store_true")
    p.add_argument("--bad-rows")
    p.add_argument("--gzip", action="store_true")
    p.add_argument("--static-page", action="store_true")
    p.add_argument("--link-host")
    p.add_argument("--link-pad", type=int, default=0)  # bytes of padding in the first Link header
    args = p.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    srv.state = State(args)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    port = srv.server_address[1]
    with open(os.path.join(args.dir, "port.tmp"), "w") as f:
        f.write("%d\n" % port)
    os.rename(os.path.join(args.dir, "port.tmp"), os.path.join(args.dir, "port"))
    print("READY %d" % port, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
