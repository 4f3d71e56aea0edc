#!/bin/bash
# tests/images/images.t: build every step image with scripts/build-images
# (the host route: no registry, no Docker engine) into a private podman
# storage under $T, check their shape (two layers, one base shared by all,
# the sizes, a numeric user in group 0, the entrypoint, nothing but the
# runtime inside) and run steps in them the way OpenShift does: an arbitrary
# uid in group 0, a read-only root filesystem, the work directory mounted at
# /data. transform and the three analyses run on the bench fixtures (outputs
# compared byte for byte); upload-sftp sends the reports to the test sshd.
# `make test-images` runs it (podman and runc: scripts/install-deps --all).
. "$(dirname "$0")/../lib.sh"

command -v podman >/dev/null 2>&1 || skip_all "podman is not installed (scripts/install-deps --all)"
STORE=$T/store
# Private storage (vfs: no overlay mount, no daemon); the runtime flags that
# work without systemd and under a low hard limit of open files.
G=(--root "$STORE/root" --runroot "$STORE/run" --tmpdir "$STORE/tmp" --storage-driver vfs --events-backend none)
RUNF=(--cgroup-manager cgroupfs --runtime runc --rm --pull=never --network host
	--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
# As on OpenShift: some uid of the namespace's range, group 0, read-only /.
AS_OPENSHIFT=(--user 1000650000:0 --read-only)
podman "${G[@]}" info >"$T/out" 2>"$T/err" ||
	skip_all "podman cannot run here: $(grep -m1 . "$T/err" || echo "podman info failed")"
command -v runc >/dev/null 2>&1 || { echo "Bail out! runc is not installed (scripts/install-deps --all)"; exit 1; }

sshd_dir="" pg_dir=""
_images_cleanup() {
	if [ -n "$sshd_dir" ]; then "$TOP/tests/servers/sshd-down.sh" "$sshd_dir"; fi
	if [ -n "$pg_dir" ]; then "$TOP/tests/servers/pg-down.sh" "$pg_dir"; fi
	podman "${G[@]}" rm --all --force >/dev/null 2>&1
	_cleanup
}
trap _images_cleanup EXIT

REG=localhost/stepkit-test
STEPS=$(for f in "$TOP"/tools/*.c; do basename "$f" .c; done)
img() { echo "$REG/stepkit-$1:test"; }
prun() { podman "${G[@]}" run "${RUNF[@]}" "$@"; }
# check NAME CMD...: ok when CMD succeeds
check() { local name=$1; shift; "$@"; ok $? "$name"; }
# is_str GOT WANT NAME: equal strings
is_str() { if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got:  '$1'"; echo "#   want: '$2'"; fi; }
VERSION=$(sed -n 's/^.define SK_VERSION "\(.*\)"$/\1/p' "$TOP/lib/base.h")

# --- build -------------------------------------------------------------------
start=$SECONDS
run "$TOP/scripts/build-images" --storage "$STORE" --route host --registry "$REG" --tag test
ok "$rc" "scripts/build-images builds $(echo "$STEPS" | wc -w) images (exit $rc)"
[ "$rc" -eq 0 ] || { sed 's/^/#   /' "$T/err" | tail -20; done_testing; exit; }
echo "# built in $((SECONDS - start)) s (make, unit tests, mkrootfs, podman build with vfs):"
sed 's/^/#   /' "$T/out"
run "$TOP/scripts/build-images" --list --registry "$REG" --tag test
same_file "$T/out" <(for s in $STEPS; do img "$s"; done) "--list names REGISTRY/stepkit-STEP:TAG"

# --- shape -------------------------------------------------------------------
layers() { podman "${G[@]}" image inspect --format '{{range .RootFS.Layers}}{{.}} {{end}}' "$1"; }
sizes() { podman "${G[@]}" history --format json "$1" | grep -o '"size":[0-9]*' | cut -d: -f2 | awk '$1 > 0'; }
cfg() { podman "${G[@]}" image inspect --format '{{.Config.User}} {{.Config.WorkingDir}} {{json .Config.Entrypoint}} {{json .Config.Cmd}}' "$1"; }
base=$(layers "$(img transform)" | cut -d' ' -f1)
max_step=0 max_base=0
for s in $STEPS; do
	read -ra l <<< "$(layers "$(img "$s")")"
	is_str "${#l[@]} ${l[0]}" "2 $base" "$s: two layers, the first one the shared base"
	read -ra z <<< "$(sizes "$(img "$s")" | tr '\n' ' ')"
	[ "${z[0]:-0}" -gt "$max_step" ] && max_step=${z[0]}
	[ "${z[1]:-0}" -gt "$max_base" ] && max_base=${z[1]}
	is_str "$(cfg "$(img "$s")")" '10001:0 /data ["/usr/local/bin/step"] null' \
		"$s: user 10001:0, workdir /data, entrypoint /usr/local/bin/step"
	expect_exit 0 "$s: --version runs as an arbitrary uid, read-only /" \
		prun "${AS_OPENSHIFT[@]}" "$(img "$s")" --version
	is_str "$(cat "$T/out")" "$s (stepkit) $VERSION" "$s: the image's binary is $s"
done
echo "# largest step layer $max_step B, base layer $max_base B (uncompressed)"
check "every step layer is under 1 MiB" test "$max_step" -gt 0 -a "$max_step" -lt 1048576
check "the base layer is under 100 MiB" test "$max_base" -gt 0 -a "$max_base" -lt 104857600

# What is inside: the runtime only.
cid=$(podman "${G[@]}" create "$(img upload-sftp)")
# -o, not stdout: podman 4.3 writes nothing to a pipe or a redirected stdout
podman "${G[@]}" export -o "$T/export.tar" "$cid"
tar --numeric-owner -tvf "$T/export.tar" > "$T/files"
rm -f "$T/export.tar"
podman "${G[@]}" rm "$cid" >/dev/null
is_str "$(awk '$1 !~ /^d/ {print $6}' "$T/files" |
	grep -E '(^|/)(sh|bash|dash|busybox|apt|apt-get|dpkg|rpm|yum|microdnf|apk|cc|gcc|ld|make|perl|python3?)$')" \
	"" "no shell, package manager or compiler in the image"
bins=$(awk '$1 !~ /^d/ && $6 ~ /^(usr\/)?(local\/)?s?bin\// {print $6}' "$T/files" | sort | tr '\n' ' ')
is_str "$bins" "usr/local/bin/step usr/local/bin/upload-sftp " "the only programs are the step's binary and its entrypoint link"
is_str "$(awk '$6 == "data/" || $6 == "tmp/" {print $1, $2, $6}' "$T/files" | tr '\n' ' ')" \
	"drwxrwsr-x 0/0 data/ drwxrwxrwt 0/0 tmp/ " "/data is group-0 writable (setgid), /tmp is 1777"
is_str "$(awk '$1 ~ /^-/ && $6 == "etc/ssl/certs/ca-certificates.crt" {print $6}' "$T/files")" \
	etc/ssl/certs/ca-certificates.crt "the CA bundle is in the image"

# --- steps inside the images ---------------------------------------------------
D=$T/data
mkdir -p "$D"
cp "$TOP"/bench/fixtures/{raw_sales,customer_data,product_data}.csv "$D/"
chgrp -R 0 "$D"
chmod 2775 "$D"
chmod 664 "$D"/*.csv
E=$TOP/bench/fixtures/expected
# in_image [PODMAN_OPTION]... -- STEP [ARG]...: run the step's image on $D
# as OpenShift would; step STEP [ARG]...: the same without podman options.
in_image() {
	local o=()
	while [ "$1" != -- ]; do o+=("$1"); shift; done
	shift
	local s=$1; shift
	prun "${AS_OPENSHIFT[@]}" -v "$D:/data" -e STEPKIT_LOG_FORMAT=text "${o[@]}" "$(img "$s")" "$@"
}
step() { in_image -- "$@"; }
expect_exit 0 "transform in its image" step transform
same_file "$D/transformed_data.csv" "$E/transformed_data.csv" "transform: transformed_data.csv as expected"
is_str "$(stat -c '%u:%g %a' "$D/transformed_data.csv")" "1000650000:0 664" \
	"the output belongs to the arbitrary uid, group 0, group-writable"
check "transform wrote its event" test -s "$D/events/transform.json"
for a in sales customers products; do
	expect_exit 0 "analyze-$a in its image" step "analyze-$a"
done
same_file "$D/sales_report.csv" "$E/sales_report.csv" "analyze-sales: sales_report.csv as expected"
same_file "$D/customer_report.csv" "$E/customer_report.csv" "analyze-customers: customer_report.csv as expected"
same_file "$D/product_report.csv" "$E/product_report.csv" "analyze-products: product_report.csv as expected"
# the analyses size their threads to the container's CPU quota (cgroup)
if [ "$(nproc)" -ge 2 ]; then
	expect_exit 0 "analyze-sales with --cpus 1" in_image --cpus 1 -- analyze-sales --log-level debug
	expect_err "threads: up to 1 (CPUs available: 1;" "--cpus 1: one thread, from the cgroup quota"
	expect_exit 0 "analyze-sales with --cpus 1.5" in_image --cpus 1.5 -- analyze-sales --log-level debug
	expect_err "threads: up to 2 (CPUs available: 2;" "--cpus 1.5: two threads (the quota rounded up)"
fi
expect_exit 1 "the root filesystem is read-only" step transform --out /transformed_data.csv
expect_err "cannot create a file in '/': Read-only file system" "... and the step says so"

# upload-sftp against the test sshd, the key and known_hosts mounted as a
# Secret volume would be (readable by group 0), the password as env.
if "$TOP/tests/servers/sshd-up.sh" "$T/sshd" > "$T/sshd.out" 2> "$T/sshd.err"; then
	sshd_dir=$T/sshd
	# shellcheck disable=SC1091
	. "$T/sshd/env"
	K=$T/keys
	mkdir -p "$K"
	cp "$SFTP_TEST_KEY_ED25519" "$K/id_ed25519"
	cp "$SFTP_KNOWN_HOSTS" "$K/known_hosts"
	cp "$SFTP_TEST_KNOWN_HOSTS_OTHER" "$K/known_hosts.other"
	chgrp -R 0 "$K"
	chmod 750 "$K"
	chmod 640 "$K"/*
	sftp_env=(-e SFTP_HOST -e SFTP_PORT -e SFTP_USER -e SFTP_REMOTE_DIR
		-e SFTP_KNOWN_HOSTS=/secret/known_hosts -v "$K:/secret:ro")
	SFTP_PASSWORD=$SFTP_TEST_PASSWORD expect_exit 0 "upload-sftp --check in its image (password)" \
		in_image "${sftp_env[@]}" -e SFTP_PASSWORD -- upload-sftp --check
	expect_exit 0 "upload-sftp in its image (key)" \
		in_image "${sftp_env[@]}" -e SFTP_KEY_FILE=/secret/id_ed25519 -- upload-sftp
	for f in sales_report customer_report product_report; do
		same_file "$SFTP_TEST_UPLOAD_DIR/$f.csv" "$E/$f.csv" "upload-sftp: $f.csv arrived intact"
	done
	check "upload-sftp wrote its event" test -s "$D/events/upload-sftp.json"
	expect_exit 1 "upload-sftp refuses an unknown host key in its image" \
		in_image "${sftp_env[@]}" -e SFTP_KEY_FILE=/secret/id_ed25519 \
		-e SFTP_KNOWN_HOSTS=/secret/known_hosts.other -- upload-sftp
	expect_err "host key of [127.0.0.1]:$SFTP_PORT has changed" "... and says the host key changed"
else
	rc=$?
	if [ $rc -eq 77 ]; then
		echo "ok $((++_n)) # skip upload-sftp: $(cat "$T/sshd.err")"
	else
		ok 1 "sshd-up.sh starts the test sshd (exit $rc)"; sed 's/^/#   /' "$T/sshd.err"
	fi
fi

# extract-sales against the test PostgreSQL: libpq in the image, run by a uid
# that the image's /etc/passwd does not know; the same rows as bin/ gets.
if "$TOP/tests/servers/pg-up.sh" "$T/pg" > "$T/pg.out" 2> "$T/pg.err"; then
	pg_dir=$T/pg
	# shellcheck disable=SC1091
	. "$T/pg/env"
	python3 "$TOP/scripts/gen-sample" --rows 300 "$T/sample" > /dev/null 2>&1 &&
		"$TOP/scripts/load-sample" "$T/sample" > /dev/null 2> "$T/err"
	ok $? "a 300-row sample loaded into PostgreSQL"
	mkdir -p "$D/pg" "$T/host"
	chgrp 0 "$D/pg"
	chmod 2775 "$D/pg"
	"$BIN/extract-sales" --workdir "$T/host" --period all --log-level error
	expect_exit 0 "extract-sales in its image" \
		in_image -e PGHOST -e PGPORT -e PGDATABASE -e PGUSER -e PGPASSWORD -- \
		extract-sales --workdir /data/pg --period all
	same_file "$D/pg/raw_sales.csv" "$T/host/raw_sales.csv" "extract-sales: the same raw_sales.csv as bin/extract-sales"
else
	ok 1 "tests/servers/pg-up.sh starts the test PostgreSQL"; sed 's/^/#   /' "$T/pg.err" | head -5
fi
done_testing
