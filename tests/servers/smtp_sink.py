#!/usr/bin/python3
"""smtp_sink.py: an SMTP server for stepkit's tests, over Debian's aiosmtpd.

Run it with /usr/bin/python3 (Debian's python3-aiosmtpd lives in the system
dist-packages; another python3 first in PATH may not see it).

  /usr/bin/python3 smtp_sink.py --dir DIR [--listen 127.0.0.1:PORT | --port PORT]
      [--port-file FILE] [--tls-cert CERT --tls-key KEY [--tls-optional | --implicit-tls]]
      [--auth USER:PW] [--fail-first N] [--max-size BYTES]
      [--refuse-rcpt ADDR]... [--defer-rcpt ADDR]...

Every accepted message is stored in the Maildir DIR/maildir (new/) and
described by one JSON line in DIR/envelopes.jsonl: {"from", "rcpt", "auth"
(login or null), "tls" (bool), "size", "sha256", "key" (Maildir key),
"file" (path of the message relative to DIR)}.

  --tls-cert/--tls-key  offer STARTTLS and require it before MAIL (530 until
                        then); --tls-optional offers it without requiring it;
                        --implicit-tls speaks TLS from the first byte (smtps://)
  --auth USER:PW        require AUTH (PLAIN, LOGIN) before MAIL (530); a wrong
                        password gets 535. With a certificate, AUTH is offered
                        only after STARTTLS (or at once with --implicit-tls);
                        without one, in clear
  --fail-first N        answer the first N DATA commands with 451 (temporary)
  --max-size BYTES      message size limit (default 64 MiB; 552 above it)
  --refuse-rcpt ADDR    answer RCPT TO:<ADDR> with 550 (permanent), always
  --defer-rcpt ADDR     answer RCPT TO:<ADDR> with 450 (temporary) the first
                        time, then accept it

Port 0 (the default) lets the kernel choose; the port is written to
--port-file (default DIR/port) and "READY <port>" is printed on stdout once
it listens. Stop it with SIGTERM to its pid.
"""

import argparse
import asyncio
import hashlib
import hmac
import json
import mailbox
import os
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    def __init__(self, args):
        self.args = args
        self.maildir = mailbox.Maildir(os.path.join(args.dir, "maildir"), create=True)
        self.log_path = os.path.join(args.dir, "envelopes.jsonl")
        self.datas = 0
        self.deferred = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.args.refuse_rcpt:
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        if address in self.args.defer_rcpt and address not in self.deferred:
            self.deferred.add(address)
            return "450 4.2.1 <%s>: try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.datas += 1
        if self.datas <= self.args.fail_first:
            return "451 4.3.0 injected temporary failure %d" % self.datas
        body = envelope.original_content or envelope.content
        if isinstance(body, str):
            body = body.encode("utf-8", "surrogateescape")
        key = self.maildir.add(body)
        rec = {
            "from": envelope.mail_from,
            "rcpt": list(envelope.rcpt_tos),
            "auth": login_of(session),
            "tls": self.args.implicit_tls or session.ssl is not None,
            "size": len(body),
            "sha256": hashlib.sha256(body).hexdigest(),
            "key": key,
            "file": os.path.join("maildir", "new", key),
        }
        with open(self.log_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(rec, sort_keys=True) + "\n")
        return "250 2.0.0 OK stored %s" % key


def login_of(session):
    data = getattr(session, "auth_data", None)
    if isinstance(data, LoginPassword):
        return data.login.decode("utf-8", "replace")
    return None


def make_authenticator(user, password):
    def authenticator(server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        good = hmac.compare_digest(auth_data.login, user.encode()) and hmac.compare_digest(
            auth_data.password, password.encode()
        )
        if good:
            return AuthResult(success=True, auth_data=auth_data)
        # success=False alone sends no reply at all in aiosmtpd 1.4 (the
        # client hangs until its timeout); handled=False makes it answer 535.
        return AuthResult(success=False, handled=False)

    return authenticator


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", required=True)
    ap.add_argument("--listen", help="127.0.0.1:PORT")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--tls-optional", action="store_true")
    ap.add_argument("--implicit-tls", action="store_true")
    ap.add_argument("--auth", metavar="USER:PW")
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--max-size", type=int, default=64 << 20)
    ap.add_argument("--refuse-rcpt", action="append", default=[])
    ap.add_argument("--defer-rcpt", action="append", default=[])
    args = ap.parse_args()
    host, port = "127.0.0.1", args.port
    if args.listen:
        host, _, p = args.listen.rpartition(":")
        port = int(p)
    if host not in ("127.0.0.1", "localhost", "::1"):
        ap.error("binds to loopback only")
    if (args.tls_optional or args.implicit_tls) and not args.tls_cert:
        ap.error("--tls-optional and --implicit-tls need --tls-cert and --tls-key")
    os.makedirs(args.dir, exist_ok=True)

    ctx = None
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)

    handler = Sink(args)
    kw = dict(data_size_limit=args.max_size, hostname="smtp-sink.test", ident="stepkit smtp sink")
    if ctx is not None and not args.implicit_tls:
        kw.update(tls_context=ctx, require_starttls=not args.tls_optional)
    if args.auth:
        user, _, pw = args.auth.partition(":")
        kw.update(
            authenticator=make_authenticator(user, pw),
            auth_required=True,
            # AUTH waits for STARTTLS when it is offered. aiosmtpd does not
            # see implicit TLS as TLS, so it must not wait there; without
            # any certificate, AUTH goes in clear (loopback tests).
            auth_require_tls=ctx is not None and not args.implicit_tls,
        )

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(
            lambda: SMTP(handler, loop=loop, **kw),
            host=host,
            port=port,
            ssl=ctx if args.implicit_tls else None,
        )
    )
    port = server.sockets[0].getsockname()[1]
    pf = args.port_file or os.path.join(args.dir, "port")
    with open(pf + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.replace(pf + ".tmp", pf)

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print("READY %d" % port, flush=True)
    loop.run_until_complete(stop.wait())
    server.close()
    loop.run_until_complete(server.wait_closed())
    loop.close()


if __name__ == "__main__":
    sys.exit(main())
