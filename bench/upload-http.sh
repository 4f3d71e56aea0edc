#!/bin/bash
# bench/upload-http.sh [SIZE_MIB] [ROUNDS]: upload throughput of bin/upload-http
# against the curl command-line client, sending the same file (default 256
# MiB) by PUT to the same loopback server: nginx (dav PUT; the fast server,
# so the clients are what is measured) when installed, and
# tests/servers/http_sink.py. Rounds alternate the two clients; the median
# wall time of each is reported. Goal: upload-http within 10% of curl, or
# faster. upload-http also computes the SHA-256 of what it sends (for its
# event); curl does not.
#
# Server storage and the file live in /dev/shm when it exists, so that disk
# writeback does not decide the result. Prints one line per server: median
# wall time, throughput and CPU time (user + system) of each client, and the
# ratio of the wall times (below 1.10 meets the goal). On a busy machine
# the wall times swing; the CPU times are the steadier comparison.
# UPLOAD_HTTP=path runs another build of upload-http instead of bin/.
set -euo pipefail
NAME=upload-http.sh TOOL_VAR=UPLOAD_HTTP
. "$(dirname "$0")/upload-lib.sh"
need curl "the curl command-line client"
need python3 python3

bench_file "$T/w/bench.bin"

# one_round URL_DIR ORDER: time curl and upload-http, curl first when ORDER
# is even (alternating, so neither always runs on a warmer server); prints
# "curl_wall curl_cpu tool_wall tool_cpu" (cpu: user + system of the client)
run_curl() { curl -sS --fail -T "$T/w/bench.bin" "${1}curl.bin" -o /dev/null; }
run_tool() { STEPKIT_LOG_LEVEL=warn HTTP_UPLOAD_URL="$1" "$TOOL" --workdir "$T/w" bench.bin; }
one_round() {
	local dir=$1 TIMEFORMAT='%R %U %S' c t
	if [ $(($2 % 2)) -eq 0 ]; then
		c=$( { time run_curl "$dir"; } 2>&1)
		t=$( { time run_tool "$dir"; } 2>&1)
	else
		t=$( { time run_tool "$dir"; } 2>&1)
		c=$( { time run_curl "$dir"; } 2>&1)
	fi
	set -- $c $t
	echo "$1 $(echo "$2 + $3" | bc) $4 $(echo "$5 + $6" | bc)"
}

# measure NAME URL_DIR
measure() {
	local name=$1 dir=$2 cw=() cc=() tw=() tc=() a b c d
	one_round "$dir" 0 >/dev/null # warm up: page cache, server start-up
	for i in $(seq 1 "$ROUNDS"); do
		read -r a b c d < <(one_round "$dir" "$i")
		cw+=("$a") cc+=("$b") tw+=("$c") tc+=("$d")
	done
	a=$(printf '%s\n' "${cw[@]}" | median)
	b=$(printf '%s\n' "${cc[@]}" | median)
	c=$(printf '%s\n' "${tw[@]}" | median)
	d=$(printf '%s\n' "${tc[@]}" | median)
	printf '%-10s %4d MiB  curl %6.3f s %6.1f MiB/s (cpu %.2f s)  upload-http %6.3f s %6.1f MiB/s (cpu %.2f s)  time ratio %.3f\n' \
		"$name" "$SIZE" "$a" "$(echo "$SIZE / $a" | bc -l)" "$b" "$c" "$(echo "$SIZE / $c" | bc -l)" "$d" \
		"$(echo "$c / $a" | bc -l)"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

echo "# upload of a $SIZE MiB file over loopback, median of $ROUNDS rounds (storage in $base)"

if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then
	NGINX=$(command -v nginx || echo /usr/sbin/nginx)
	N=$T/nginx
	mkdir -p "$N/logs" "$N/tmp" "$N/www/b"
	port=$(free_port)
	if [ "$(id -u)" -eq 0 ]; then
		chown -R nobody "$N/tmp" "$N/www" # workers run as nobody
	fi
	cat >"$N/nginx.conf" <<EOF
worker_processes 1; pid $N/nginx.pid; error_log $N/logs/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $N/tmp/body; proxy_temp_path $N/tmp/proxy; fastcgi_temp_path $N/tmp/fcgi;
  uwsgi_temp_path $N/tmp/uwsgi; scgi_temp_path $N/tmp/scgi;
  server { listen 127.0.0.1:$port; client_max_body_size 4g;
    location /b/ { root $N/www; dav_methods PUT; create_full_put_path on; } } }
EOF
	"$NGINX" -p "$N" -e "$N/logs/error.log" -c "$N/nginx.conf"
	for _ in $(seq 1 100); do [ -s "$N/nginx.pid" ] && break; sleep 0.05; done
	pids+=("$(cat "$N/nginx.pid")")
	measure nginx "http://127.0.0.1:$port/b/"
	cmp -s "$T/w/bench.bin" "$N/www/b/bench.bin" || { echo "upload-http.sh: nginx copy differs" >&2; exit 1; }
else
	echo "# nginx not installed: skipped"
fi

python3 "$TOP/tests/servers/http_sink.py" --dir "$T/sink" >"$T/sink.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 200); do grep -q READY "$T/sink.log" 2>/dev/null && break; sleep 0.05; done
measure http_sink "http://127.0.0.1:$(cat "$T/sink/port")/b/"
cmp -s "$T/w/bench.bin" "$T/sink/files/b/bench.bin" || { echo "upload-http.sh: sink copy differs" >&2; exit 1; }
