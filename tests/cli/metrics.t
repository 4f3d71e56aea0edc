#!/bin/bash
# metrics and lineage in every step's event (issue 11): "metrics" with
# exactly duration_seconds, records_in, records_out, phases {read, process,
# write} and drop_reasons [{reason, rows}]; each entry of "inputs" with
# path, bytes and sha256, the sha256 of the bytes the step read, so that an
# upstream step's output and a downstream step's input link up (lineage).
# Timing never decides: phases are only checked to be numbers >= 0.
. "$(dirname "$0")/../lib.sh"

command -v jq >/dev/null 2>&1 || skip_all "jq not installed"
FX=$TOP/tests/fixtures/transform/golden
W=$T/w
mkdir -p "$W"

# is GOT WANT NAME: exact text
is() { if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got:  $1"; echo "#   want: $2"; fi; }
# ev STEP JQ: a jq expression over the event of STEP in $W (compact)
ev() { jq -c "$2" "$W/events/$1.json"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }

METRIC_KEYS='["duration_seconds","records_in","records_out","phases","drop_reasons"]'
# the shape of "metrics" and "inputs", the same for every step
shape() {
	local st=$1
	is "$(ev "$st" '.metrics | keys_unsorted')" "$METRIC_KEYS" "$st: metrics has exactly its keys, in order"
	is "$(ev "$st" '.metrics.phases | keys_unsorted')" '["read","process","write"]' \
		"$st: phases has exactly read, process, write"
	is "$(ev "$st" '[.metrics.duration_seconds, .metrics.phases[]] | map(type == "number" and . >= 0) | all')" \
		true "$st: duration and phases are numbers >= 0"
	is "$(ev "$st" '.metrics.duration_seconds == .seconds')" true "$st: duration_seconds is the event's seconds"
	is "$(ev "$st" '[.metrics.records_in, .metrics.records_out] == [.rows_in, .rows_out]')" true \
		"$st: records in and out are the rows in and out"
	is "$(ev "$st" '[.inputs[] | keys_unsorted] | unique')" '[["path","bytes","sha256"]]' \
		"$st: each input has path, bytes and sha256"
}
# input_is STEP FILE: the input FILE of STEP has its size and sha256
input_is() {
	is "$(ev "$1" ".inputs[] | select(.path == \"$2\") | [.bytes, .sha256]")" \
		"[$(size "$2"),\"$(sha "$2")\"]" "$1: input $(basename "$2"): its bytes and sha256"
}
# output_sha STEP: the sha256 of the step's (first) output
output_sha() { ev "$1" '.outputs[0].sha256' | tr -d '"'; }

# ---- the chain on the golden fixtures: extracts, transform, analyses ----
for e in sales customers products; do
	expect_exit 0 "extract-$e from files" "$BIN/extract-$e" --workdir "$W" --source "file:$FX"
	shape "extract-$e"
	is "$(ev "extract-$e" '.metrics.drop_reasons')" '[]' "extract-$e: nothing dropped"
done
input_is extract-sales "$FX/raw_sales.csv"
input_is extract-customers "$FX/customer_data.csv"

expect_exit 0 "transform" "$BIN/transform" --workdir "$W"
shape transform
is "$(ev transform '.metrics.drop_reasons')" '[{"reason":"dropped_duplicate","rows":5}]' \
	"transform: the repeated lines are its drop reason, with their rows"
is "$(ev transform '[.metrics.records_in, .metrics.records_out]')" '[26,21]' "transform: 26 records in, 21 out"
is "$(ev transform '.inputs | length')" 3 "transform: three inputs"
for f in raw_sales customer_data product_data; do
	input_is transform "$W/$f.csv"
done
# lineage: what each extract wrote is what transform read
is "$(ev transform ".inputs[] | select(.path == \"$W/raw_sales.csv\") | .sha256" | tr -d '"')" \
	"$(output_sha extract-sales)" "lineage: extract-sales output sha256 = transform's input sha256"
is "$(ev transform ".inputs[] | select(.path == \"$W/product_data.csv\") | .sha256" | tr -d '"')" \
	"$(output_sha extract-products)" "lineage: extract-products output sha256 = transform's input sha256"

tx=$(output_sha transform)
is "$tx" "$(sha "$W/transformed_data.csv")" "transform: the output sha256 is the file's"
for a in sales customers products; do
	expect_exit 0 "analyze-$a" "$BIN/analyze-$a" --workdir "$W" --threads 1
	shape "analyze-$a"
	is "$(ev "analyze-$a" '.metrics.drop_reasons')" '[]' "analyze-$a: no drop reasons"
	is "$(ev "analyze-$a" '.inputs | map(.sha256)')" "[\"$tx\"]" \
		"lineage: transform's output sha256 = analyze-$a's input sha256"
	input_is "analyze-$a" "$W/transformed_data.csv"
done

# report-xlsx reads the three reports: lineage from each analysis
expect_exit 0 "report-xlsx of the three reports" "$BIN/report-xlsx" --workdir "$W"
shape report-xlsx
for a in sales customer product; do
	input_is report-xlsx "$W/${a}_report.csv"
done
is "$(ev report-xlsx '[.inputs[].sha256]')" \
	"[\"$(output_sha analyze-sales)\",\"$(output_sha analyze-customers)\",\"$(output_sha analyze-products)\"]" \
	"lineage: each analysis's output sha256 = report-xlsx's input sha256"

# the outputs are those of the fixture, byte for byte
same_file "$W/transformed_data.csv" "$FX/transformed_data.csv" "transform's output is unchanged"

# ---- a range: the rows outside it are a drop reason ----
R=$T/range && mkdir -p "$R"
expect_exit 0 "extract-sales with a range" "$BIN/extract-sales" --workdir "$R" --source "file:$FX" \
	--from 2010-12-01 --to 2010-12-01
is "$(jq -c '[.metrics.records_in, .metrics.records_out, .metrics.drop_reasons]' "$R/events/extract-sales.json")" \
	'[26,10,[{"reason":"out_of_range","rows":16}]]' "extract-sales: the rows out of the range are its drop reason"

# ---- an analysis read in pieces on threads hashes the whole file ----
P=$T/pieces && mkdir -p "$P"
awk 'NR == 1 { print; next } { rows = rows $0 "\n" } END { for (i = 0; i < 8000; i++) printf "%s", rows }' \
	"$TOP/tests/fixtures/analyze/transformed_data.csv" >"$P/transformed_data.csv"
expect_exit 0 "analyze-sales in two pieces" "$BIN/analyze-sales" --workdir "$P" --threads 2 --log-level debug
expect_err "in 2 pieces" "the input (over 16 MiB) was read in 2 pieces"
is "$(jq -c '.inputs | map([.bytes, .sha256])' "$P/events/analyze-sales.json")" \
	"[[$(size "$P/transformed_data.csv"),\"$(sha "$P/transformed_data.csv")\"]]" \
	"two pieces: the input's bytes and sha256 are the whole file's"

# ---- a pipe is hashed as it is read ----
expect_exit 0 "analyze-sales from a pipe" "$BIN/analyze-sales" --workdir "$W" --threads 1 \
	--in <(cat "$W/transformed_data.csv") --out "$T/pipe.csv"
is "$(ev analyze-sales '.inputs | map(.sha256)')" "[\"$tx\"]" "a pipe: the sha256 of the bytes read"

# ---- a step that stops before the end of an input has no digest for it ----
B=$T/bad && mkdir -p "$B"
cp "$W/customer_data.csv" "$W/product_data.csv" "$B/"
{ cat "$W/raw_sales.csv"; printf '536999,85123A,1,2010-12-01T08:26:00,2.55'; } >"$B/raw_sales.csv"
expect_exit 1 "transform of a truncated file" "$BIN/transform" --workdir "$B"
is "$(jq -c '.inputs | map([(.path | split("/") | last), .bytes, (.sha256 | type)])' "$B/events/transform.json")" \
	'[["customer_data.csv",'"$(size "$B/customer_data.csv")"',"string"],["product_data.csv",'"$(size "$B/product_data.csv")"',"string"],["raw_sales.csv",null,"null"]]' \
	"a failed read: that input's bytes and sha256 are null, the others are known"
is "$(jq -c '.metrics | keys_unsorted' "$B/events/transform.json")" "$METRIC_KEYS" \
	"a failed step still has its metrics"

# ---- an upload: its inputs are the files it sent, with their sha256 ----
S=$T/sink && mkdir -p "$S"
python3 "$TOP/tests/servers/http_sink.py" --dir "$S" >"$T/sink.log" 2>&1 &
stop_at_exit $!
need_ready "$T/sink.log" $! "http_sink.py"
HTTP_UPLOAD_URL="http://127.0.0.1:$(cat "$S/port")/up/" expect_exit 0 "upload-http of the three reports" \
	"$BIN/upload-http" --workdir "$W"
shape upload-http
for f in sales_report customer_report product_report; do
	input_is upload-http "$W/$f.csv"
done
is "$(ev upload-http '[.inputs[].sha256] == [.outputs[].sha256]')" true \
	"upload-http: each input's sha256 is what was sent"
is "$(ev upload-http '.metrics.phases.write >= ([.outputs[].seconds] | add) - 1e-6')" true \
	"upload-http: the transfers count in its write phase"

done_testing
