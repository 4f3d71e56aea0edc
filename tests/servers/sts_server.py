#!/usr/bin/env python3
"""sts_server.py: a fake AWS STS for stepkit's tests (stdlib only).

It answers AssumeRoleWithWebIdentity the way STS does (form-encoded POST,
XML answer), after checking the Action, the Version, the RoleArn and the
WebIdentityToken it was told to expect; anything else gets STS's error
document (<ErrorResponse><Error><Type/><Code/><Message/></Error>).

  python3 sts_server.py --dir DIR --role-arn ARN --token TOKEN
      --access KEY_ID --secret SECRET --session-token TOKEN
      [--port PORT] [--port-file FILE] [--refuse CODE] [--fail-first N]
      [--fail-status 503]

--refuse CODE answers every request 403 (400 for InvalidIdentityToken and
ExpiredTokenException) with that code, as STS does when a role's trust policy
says no. --fail-first N answers the first N requests with --fail-status and
code ServiceUnavailable. Port 0 (the default) lets the kernel choose; the port
goes to --port-file (default DIR/port) and "READY <port>" is printed once it
listens. One JSON line per request in DIR/requests.jsonl: {"path",
"content_type", "action", "role_arn", "session_name", "token_ok", "status"}
(the token itself is not logged). Stop it with SIGTERM to its pid.
"""

import argparse
import http.server
import json
import os
import signal
import sys
import urllib.parse
from xml.sax.saxutils import escape

NS = "https://sts.amazonaws.com/doc/2011-06-15/"


def error_doc(code, message):
    return (
        '<ErrorResponse xmlns="%s">\n  <Error>\n    <Type>Sender</Type>\n'
        "    <Code>%s</Code>\n    <Message>%s</Message>\n  </Error>\n"
        "  <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>\n</ErrorResponse>\n"
        % (NS, escape(code), escape(message))
    )


def success_doc(o, role_arn, session):
    return (
        '<AssumeRoleWithWebIdentityResponse xmlns="%s">\n'
        "  <AssumeRoleWithWebIdentityResult>\n"
        "    <SubjectFromWebIdentityToken>system:serviceaccount:etl:stepkit</SubjectFromWebIdentityToken>\n"
        "    <Audience>sts.amazonaws.com</Audience>\n"
        "    <AssumedRoleUser>\n      <Arn>%s/%s</Arn>\n"
        "      <AssumedRoleId>AROACLKWSDQRAOEXAMPLE:%s</AssumedRoleId>\n    </AssumedRoleUser>\n"
        "    <Credentials>\n"
        "      <SessionToken>%s</SessionToken>\n"
        "      <SecretAccessKey>%s</SecretAccessKey>\n"
        "      <Expiration>2031-10-24T23:00:23Z</Expiration>\n"
        "      <AccessKeyId>%s</AccessKeyId>\n"
        "    </Credentials>\n"
        "    <Provider>oidc.example</Provider>\n"
        "  </AssumeRoleWithWebIdentityResult>\n"
        "  <ResponseMetadata>\n    <RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId>\n"
        "  </ResponseMetadata>\n</AssumeRoleWithWebIdentityResponse>\n"
        % (NS, escape(role_arn), escape(session), escape(session), escape(o.session_token),
           escape(o.secret), escape(o.access))
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--role-arn", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--access", required=True)
    ap.add_argument("--secret", required=True)
    ap.add_argument("--session-token", required=True)
    ap.add_argument("--refuse")
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--fail-status", type=int, default=503)
    o = ap.parse_args()
    os.makedirs(o.dir, exist_ok=True)
    log_path = os.path.join(o.dir, "requests.jsonl")
    state = {"n": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self, status, body, rec):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            rec["status"] = status
            with open(log_path, "a") as f:
                f.write(json.dumps(rec) + "\n")

        def do_GET(self):
            self.answer(405, error_doc("InvalidAction", "use POST"), {"path": self.path})

        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(n).decode("utf-8", "replace")
            form = urllib.parse.parse_qs(raw, keep_blank_values=True)
            get = lambda k: form.get(k, [""])[0]
            rec = {
                "path": self.path,
                "content_type": self.headers.get("Content-Type"),
                "action": get("Action"),
                "version": get("Version"),
                "role_arn": get("RoleArn"),
                "session_name": get("RoleSessionName"),
                "token_ok": get("WebIdentityToken") == o.token,
                "token_in_url": o.token in self.path,
            }
            state["n"] += 1
            if state["n"] <= o.fail_first:
                return self.answer(o.fail_status, error_doc("ServiceUnavailable",
                                   "Service is unavailable."), rec)
            if o.refuse:
                status = 400 if o.refuse in ("InvalidIdentityToken", "ExpiredTokenException") else 403
                return self.answer(status, error_doc(o.refuse,
                                   "Not authorized to perform sts:AssumeRoleWithWebIdentity."), rec)
            if get("Action") != "AssumeRoleWithWebIdentity" or get("Version") != "2011-06-15":
                return self.answer(400, error_doc("InvalidAction", "Could not find operation %s for version %s."
                                   % (get("Action"), get("Version"))), rec)
            if get("RoleArn") != o.role_arn:
                return self.answer(403, error_doc("AccessDenied",
                                   "Not authorized to perform sts:AssumeRoleWithWebIdentity."), rec)
            if not rec["token_ok"]:
                return self.answer(400, error_doc("InvalidIdentityToken",
                                   "Couldn't retrieve verification key from your identity provider."), rec)
            self.answer(200, success_doc(o, o.role_arn, get("RoleSessionName")), rec)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", o.port), Handler)
    port = srv.server_address[1]
    pf = o.port_file or os.path.join(o.dir, "port")
    with open(pf + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(pf + ".tmp", pf)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    print("READY %d" % port, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
