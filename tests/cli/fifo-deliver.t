#!/bin/bash
# Issue 9, item 10 for the delivery steps: a FIFO given as a file to send
# (nobody writes to it) must not hold an upload or notify at open: the
# uploads refuse it before any connection (exit 1, "not a regular file"),
# notify lists it unattached. `timeout` only guards the test from hanging.
. "$(dirname "$0")/../lib.sh"

W=$T/w
mkdir -p "$W" "$T/outbox"
mkfifo "$W/f.csv"
touch "$T/known_hosts"
unset HTTP_UPLOAD_URL SFTP_HOST SFTP_PORT SFTP_USER SFTP_KNOWN_HOSTS SFTP_PASSWORD S3_BUCKET \
	S3_ENDPOINT AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY MAIL_TO MAIL_FROM MAIL_OUTBOX MAIL_ATTACH

expect_exit 1 "upload-http of a FIFO" timeout 20 env HTTP_UPLOAD_URL=http://127.0.0.1:9/up/ \
	"$BIN/upload-http" --workdir "$W" f.csv
expect_err "upload-http: '$W/f.csv': not a regular file" "upload-http: the FIFO is refused"
expect_exit 1 "upload-sftp of a FIFO" timeout 20 env SFTP_HOST=127.0.0.1 SFTP_PORT=9 SFTP_USER=u \
	SFTP_KNOWN_HOSTS="$T/known_hosts" SFTP_PASSWORD=p "$BIN/upload-sftp" --workdir "$W" f.csv
expect_err "upload-sftp: '$W/f.csv': not a regular file" "upload-sftp: the FIFO is refused"
expect_exit 1 "upload-s3 of a FIFO" timeout 20 env S3_BUCKET=b S3_ENDPOINT=http://127.0.0.1:9 \
	AWS_ACCESS_KEY_ID=k AWS_SECRET_ACCESS_KEY=s "$BIN/upload-s3" --workdir "$W" f.csv
expect_err "upload-s3: '$W/f.csv': not a regular file" "upload-s3: the FIFO is refused"
expect_exit 0 "notify with a FIFO to attach" timeout 20 env MAIL_TO=ops@example.com \
	MAIL_FROM=etl@example.com MAIL_OUTBOX="$T/outbox" MAIL_ATTACH=yes "$BIN/notify" --workdir "$W" "$W/f.csv"
expect_err "notify: warning: attachment '$W/f.csv': not a regular file: listed, not attached" \
	"notify: the FIFO is listed, not attached"
done_testing
