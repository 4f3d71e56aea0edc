#!/usr/bin/python3
"""tests/servers/tcp_blackhole.py: a TCP port on 127.0.0.1 where connects time out.

It listens with a backlog of 0 and never accepts, then fills that queue with
connections of its own: the kernel drops every later SYN, so a client's
connect() hangs until its own timeout, as with a firewalled or unreachable
host. Prints the port on stdout, then waits to be killed (at most an hour).
"""
import socket
import sys
import time

listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(0)
port = listener.getsockname()[1]
held = []
for _ in range(3):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    held.append(c)
print(port, flush=True)
sys.stdout.close()
time.sleep(3600)
