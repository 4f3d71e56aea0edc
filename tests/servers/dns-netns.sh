#!/bin/sh
# tests/servers/dns-netns.sh MODE CMD [ARG]...: run CMD in a private mount and
# network namespace (unshare -mn; needs root) whose /etc/resolv.conf points
# at 127.0.0.1, so that name lookups fail the way MODE says:
#   down      nothing answers on port 53: "temporary failure in name
#             resolution" (EAI_AGAIN), as in a DNS outage
#   nxdomain  tests/servers/dns_nxdomain.py answers every name "no such
#             name" (EAI_NONAME), as for a mistyped host
# Only the loopback interface exists there, so nothing else is reachable.
# Exits with CMD's status; the DNS server, when started, is stopped first.
# With no CMD and MODE "probe", exits 0 when namespaces can be made here.
set -u
here=$(cd "$(dirname "$0")" && pwd)
mode=$1
shift
if [ -z "${DNS_NETNS_INSIDE:-}" ]; then
	exec env DNS_NETNS_INSIDE=1 unshare -mn sh "$here/dns-netns.sh" "$mode" "$@"
fi
resolv=$(mktemp)
trap 'rm -f "$resolv"' EXIT
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$resolv"
ip link set lo up && mount --bind "$resolv" /etc/resolv.conf || exit 125
unset DNS_NETNS_INSIDE
pid=
case $mode in
probe) exit 0 ;;
down) ;;
nxdomain)
	ready=$(mktemp)
	python3 "$here/dns_nxdomain.py" >"$ready" &
	pid=$!
	for _ in $(seq 1 100); do grep -q READY "$ready" && break; sleep 0.05; done
	rm -f "$ready"
	;;
*) echo "dns-netns.sh: MODE is down, nxdomain or probe" >&2; exit 2 ;;
esac
"$@"
rc=$?
[ -n "$pid" ] && kill "$pid" && wait "$pid" 2>/dev/null
exit $rc
