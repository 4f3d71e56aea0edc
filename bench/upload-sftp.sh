#!/bin/sh
# bench/upload-sftp.sh [MIB] [RUNS]: upload throughput of bin/upload-sftp
# against the OpenSSH sftp client, both to a throwaway sshd on 127.0.0.1
# (tests/servers/sshd-up.sh; needs root), same file, same key login.
#
#   sftp put      the client's default: no fsync, then rename
#   sftp put -f   with fsync@openssh.com, as upload-sftp always does
#   upload-sftp   .part + fsync + size check + rename
#
# Runs are interleaved (so a busy machine slows all three alike) and the
# median of RUNS (default 5) is reported for a MIB-MiB file (default 256).
# Exit 0 when upload-sftp is within 10% of `sftp put -f` or faster.
set -eu
cd "$(dirname "$0")/.."
MIB=${1:-256}
RUNS=${2:-5}
[ -x bin/upload-sftp ] || { echo "upload-sftp.sh: build first (make)" >&2; exit 2; }

T=$(mktemp -d "${TMPDIR:-/tmp}/bench-sftp.XXXXXX")
chmod 755 "$T"
trap 'tests/servers/sshd-down.sh "$T/s" >/dev/null 2>&1; rm -rf "$T"' EXIT INT TERM
tests/servers/sshd-up.sh "$T/s" > /dev/null || { rc=$?; [ $rc -eq 77 ] && echo "upload-sftp.sh: skipped (needs root)"; exit $rc; }
. "$T/s/env"
UP=$SFTP_TEST_UPLOAD_DIR
mkdir -p "$T/w"
head -c $((MIB * 1048576)) /dev/urandom > "$T/w/big.bin"
# our own copy: a rebuild during the runs must not swap the binary under us
cp bin/upload-sftp "$T/upload-sftp"

SSH_OPTS="-q -P $SFTP_PORT -i $SFTP_TEST_KEY_ED25519 -o IdentitiesOnly=yes -o UserKnownHostsFile=$SFTP_KNOWN_HOSTS -o StrictHostKeyChecking=yes"
printf 'put %s big.bin.part\nrename big.bin.part big.bin\n' "$T/w/big.bin" > "$T/put"
printf 'put -f %s big.bin.part\nrename big.bin.part big.bin\n' "$T/w/big.bin" > "$T/putf"

# seconds CMD...: wall time of CMD (which must succeed), on stdout
seconds() {
	s=$(date +%s.%N)
	"$@" >/dev/null 2>"$T/last.err" || { echo "upload-sftp.sh: failed: $*" >&2; cat "$T/last.err" >&2; exit 1; }
	e=$(date +%s.%N)
	echo "$s $e" | awk '{printf "%.3f\n", $2 - $1}'
}
clean() { rm -f "$UP/big.bin" "$UP/big.bin.part"; sync; }

: > "$T/sftp" ; : > "$T/sftpf" ; : > "$T/ours"
i=0
while [ $i -lt "$RUNS" ]; do
	clean
	# shellcheck disable=SC2086
	seconds sftp -b "$T/put" $SSH_OPTS sftptest@127.0.0.1 >> "$T/sftp"
	clean
	# shellcheck disable=SC2086
	seconds sftp -b "$T/putf" $SSH_OPTS sftptest@127.0.0.1 >> "$T/sftpf"
	clean
	seconds env SFTP_KEY_FILE="$SFTP_TEST_KEY_ED25519" STEPKIT_LOG_FORMAT=text \
		"$T/upload-sftp" --workdir "$T/w" --event-file "$T/event.json" big.bin >> "$T/ours"
	cmp -s "$T/w/big.bin" "$UP/big.bin" || { echo "upload-sftp.sh: uploaded file differs" >&2; exit 1; }
	i=$((i + 1))
done

median() { sort -n "$1" | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
a=$(median "$T/sftp"); b=$(median "$T/sftpf"); c=$(median "$T/ours")
awk -v mib="$MIB" -v runs="$RUNS" -v a="$a" -v b="$b" -v c="$c" 'BEGIN {
	printf "upload of %d MiB to sshd on 127.0.0.1, median of %d runs:\n", mib, runs
	printf "  %-30s %6.2f s  %6.1f MiB/s\n", "sftp put (no fsync)", a, mib / a
	printf "  %-30s %6.2f s  %6.1f MiB/s\n", "sftp put -f (fsync)", b, mib / b
	printf "  %-30s %6.2f s  %6.1f MiB/s  (%.0f%% of sftp put -f, %.0f%% of sftp put)\n", \
		"upload-sftp (.part+fsync)", c, mib / c, 100 * b / c, 100 * a / c
	exit !(c <= b * 1.10)
}'
