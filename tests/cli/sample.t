#!/bin/bash
# scripts/gen-sample: a small sample looks like the big one (the same shares
# of guests, repeated (invoice, stock) lines, unknown customers and products;
# a real catalogue), and the default 541,909-row sample keeps its bytes.
. "$(dirname "$0")/../lib.sh"

/usr/bin/python3 -c 1 2>/dev/null || skip_all "python3 missing"
G=$TOP/scripts/gen-sample
C=$TOP/scripts/check-sample

# stat NAME: the first number after the label, and the percentage if any
num() { sed -n "s/^  $1  *\([0-9]*\).*/\1/p" "$T/stats"; }
pc() { sed -n "s/^  $1 .*(\([0-9.]*\) %).*/\1/p" "$T/stats"; }
# within LO VALUE HI NAME
within() {
	if awk -v a="$1" -v v="$2" -v b="$3" 'BEGIN { exit !(v != "" && a + 0 <= v + 0 && v + 0 <= b + 0) }'; then
		ok 0 "$4: $2"
	else ok 1 "$4: $2, want $1 to $3"; fi
}

expect_exit 0 "gen-sample --rows 2000" "$G" --rows 2000 "$T/s"
"$C" "$T/s" >"$T/stats"
ok $? "check-sample: the 2000-row sample obeys the contract"
within 0.5 "$(pc 'repeated (invoice_no, stock_code)')" 1.5 "repeated (invoice, stock) lines, % (big sample 1.00)"
within 24 "$(pc 'empty customer_id')" 26 "guest lines, % (24.90)"
within 0.2 "$(pc 'customer_id not in customer_data')" 3 "lines of unknown customers, % (0.82)"
within 0.2 "$(pc 'stock_code not in product_data')" 2 "lines of unknown products, % (0.88)"
within 0.2 "$(pc 'rows whose product has no description')" 2 "lines without description, % (1.06)"
within 500 "$(num 'distinct stock_code')" 4000 "distinct stock codes sold"
within 50 "$(num 'distinct customer_id')" 96 "distinct customers (one per invoice at most)"
# the sample goes through transform without the gates failing on it
mkdir -p "$T/w"
expect_exit 0 "transform of the small sample" "$BIN/transform" --workdir "$T/w" \
	--sales "$T/s/raw_sales.csv" --customers "$T/s/customer_data.csv" --products "$T/s/product_data.csv" \
	--log-level error
rows=$(($(wc -l <"$T/w/transformed_data.csv") - 1))
within 1900 "$rows" 2000 "transformed rows of 2000 (no longer 871: few lines dropped)"

# The default sample: the same bytes as before (tests and the bench rely on it).
expect_exit 0 "gen-sample (541,909 rows)" "$G" "$T/big"
(cd "$T/big" && sha256sum raw_sales.csv customer_data.csv product_data.csv) >"$T/got.sha"
cat >"$T/want.sha" <<'SHA'
71cec4376062a1cf83afa962e290a5923ba45b5ce9a1fafcbfc2c6efb9eff94d  raw_sales.csv
620e19e0f66f703b2d13a15d944ca42b80d2820cdd6f294e4af10c1e398c6378  customer_data.csv
9d9bf4f8968ee831e5c2359070856178b7309de708110bc75a54bcaefa32ed99  product_data.csv
SHA
same_file "$T/got.sha" "$T/want.sha" "the default sample is byte-identical to the reference"
done_testing
