# bench/upload-lib.sh: sourced by bench/upload-http.sh and bench/upload-s3.sh
# after `set -euo pipefail`, with NAME (the script's name, for messages) and
# TOOL_VAR (the variable naming another build, e.g. UPLOAD_HTTP) set. From
# the arguments [SIZE_MIB] [ROUNDS] it sets SIZE (default 256) and ROUNDS
# (default 5); it sets TOP (the repository, also the current directory), TOOL
# (bin/TOOL or the other build), base (/dev/shm when writable, else /tmp, so
# that disk writeback does not decide the result), T (a private directory
# there, removed at exit) and pids (servers to stop at exit: TERM, then wait
# up to 5 s each), and defines need, median and bench_file.
cd "$(dirname "$0")/.."
TOP=$PWD
SIZE=${1:-256}
ROUNDS=${2:-5}
TOOL=${!TOOL_VAR:-$TOP/bin/${NAME%.sh}}

# need CMD WHAT: stop with exit 2 when CMD is not installed
need() { command -v "$1" >/dev/null || { echo "$NAME: $2 is not installed" >&2; exit 2; }; }
[ -x "$TOOL" ] || { echo "$NAME: build bin/${NAME%.sh} first (make)" >&2; exit 2; }

base=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
T=$(mktemp -d "$base/stepkit-bench-${NAME%.sh}.XXXXXX")
chmod 755 "$T"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do
		for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
	done
	rm -rf "$T"
}
trap cleanup EXIT

# median: the median of the numbers on stdin, one per line
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# bench_file PATH: SIZE MiB of random bytes at PATH
bench_file() { mkdir -p "$(dirname "$1")" && head -c $((SIZE << 20)) /dev/urandom >"$1"; }
