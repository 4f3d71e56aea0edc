#!/usr/bin/python3
"""tests/servers/dns_nxdomain.py [PORT]: a DNS server on 127.0.0.1 (UDP, port
53 by default) that answers every query "no such name" (NXDOMAIN), as a real
resolver does for a mistyped host name.

tests/int/dns.t runs it inside a private network namespace, where port 53 is
free and /etc/resolv.conf can be bind-mounted to point at it. Prints READY
once bound, then answers until killed.
"""
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 53
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
print("READY", flush=True)
while True:
    query, peer = s.recvfrom(4096)
    if len(query) < 12:
        continue
    # the question section ends after the name's zero byte and QTYPE, QCLASS
    end = 12
    while end < len(query) and query[end] != 0:
        end += 1 + query[end]
    end += 5
    # same id; QR=1, opcode 0, RD copied, RA=1, RCODE=3 (NXDOMAIN); one question
    flags = 0x8080 | (query[2] & 0x01) << 8 | 3
    header = query[0:2] + flags.to_bytes(2, "big") + b"\x00\x01" + b"\x00" * 6
    s.sendto(header + query[12:end], peer)
