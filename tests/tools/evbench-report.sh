#!/bin/sh
# Black-box tests of what evbench reports and how: ranking within noise,
# timers shown once, fire ranked by distance from the deadline, the same
# fields in CSV and JSON (host record, raw samples), --svg, --compare and
# its errors, progress on a terminal and none on a pipe, and the man page.
# An automake test (exit 0 pass, 1 fail, 77 skip).

. "${top_srcdir:-.}/tests/tools/evbench-lib.sh"
need python3

tiny="-n 20 -a 5 -w 5 --no-syscalls"

# --- one run as JSON with its chart, the same sizes as CSV
if run 0 --method all --workload all $tiny --runs 3 --json \
	--svg "$tmp/chart.svg"; then
	cp "$out" "$tmp/run.json"
else
	echo "FAIL: no JSON run to check"
	exit 1
fi
run 0 --method all --workload all $tiny --runs 2 --csv && cp "$out" "$tmp/run.csv"

# CSV's columns are JSON's result fields, then its version and library,
# then its host record; every CSV line has them all.
if python3 - "$tmp/run.json" "$tmp/run.csv" >"$err" 2>&1 <<'PY'; then
import csv, json, sys
doc = json.load(open(sys.argv[1]))
rows = list(csv.reader(open(sys.argv[2])))
keys = [list(r) for r in doc["results"]]
assert all(k == keys[0] for k in keys), "results differ in their fields"
want = keys[0] + ["version", "library"] + list(doc["host"])
assert rows[0] == want, "csv %s\njson %s" % (rows[0], want)
assert all(len(r) == len(want) for r in rows[1:]), "short csv line"
assert len(rows) - 1 == len(doc["results"]), "csv and json row counts"
for f in ("timeouts", "runs", "samples", "within_noise"):
    assert f in keys[0], f
PY
	ok "csv and json carry the same fields ($(head -1 "$tmp/run.csv"))"
else
	fail "csv and json fields differ"
fi

# The host record is this machine's; the samples are the runs.
cores=$(getconf _NPROCESSORS_ONLN)
kernel=$(uname -r)
cpu=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -1)
if python3 - "$tmp/run.json" "$kernel" "$cores" "$cpu" >"$err" 2>&1 <<'PY'; then
import json, statistics, sys
doc = json.load(open(sys.argv[1]))
h = doc["host"]
assert h["kernel"] == sys.argv[2], h
assert h["cores"] == int(sys.argv[3]), h
assert h["cpu"] and (not sys.argv[4] or h["cpu"] == sys.argv[4]), h
assert len(h["load"]) == 3 and all(x >= 0 for x in h["load"]), h
for r in doc["results"]:
    s = r["samples"]
    assert len(s) == r["runs"] == 3, r
    assert abs(min(s) - r["min"]) < 0.002 and abs(max(s) - r["max"]) < 0.002, r
    assert abs(statistics.median(s) - r["median"]) < 0.002, r
PY
	ok "host record and raw samples"
else
	fail "host record or samples"
fi

# Ranking: '~' (within_noise) exactly when the range of a method overlaps
# that of the best one; otherwise the ratio of the scores, where fire's
# score is the distance from the deadline.  timers: once, method "any".
if python3 - "$tmp/run.json" >"$err" 2>&1 <<'PY'; then
import json, sys
from collections import defaultdict
doc = json.load(open(sys.argv[1]))
groups = defaultdict(list)
for r in doc["results"]:
    groups[(r["workload"], r["metric"], r["unit"])].append(r)
def rng(r, dist):
    lo, hi = r["min"], r["max"]
    if not dist:
        return lo, hi
    if lo <= 0 <= hi:
        return 0, max(-lo, hi)
    return min(abs(lo), abs(hi)), max(abs(lo), abs(hi))
noise = ratios = 0
for (w, m, u), rs in groups.items():
    if w == "timers":
        assert len(rs) == 1 and rs[0]["method"] == "any", rs
        assert rs[0]["ratio"] is None and rs[0]["within_noise"] is None
        continue
    assert len(rs) == len(doc["methods"]), (w, m, rs)
    dist = w == "fire"
    score = lambda r: abs(r["median"]) if dist else r["median"]
    best = min(rs, key=score)
    for r in rs:
        others = [rs.index(best)] if r is not best else \
            [i for i in range(len(rs)) if rs[i] is not best]
        a = rng(r, dist)
        ov = any(a[0] <= rng(rs[i], dist)[1] and rng(rs[i], dist)[0] <= a[1]
                 for i in others)
        assert r["within_noise"] == ov, (w, m, r, best)
        if ov:
            assert r["ratio"] is None, r
            noise += 1
        elif score(best) > 0:
            want = score(r) / score(best)
            assert abs(r["ratio"] - want) <= 0.002 * want + 0.002, (r, want)
            ratios += 1
print(noise, ratios)
PY
	ok "ranking: within noise and ratios ($(cat "$err"))"
else
	fail "ranking"
fi

# The table: timers once with "(any)", the marks explained.
if run 0 --method poll --method select --workload timers --workload fire \
	$tiny --runs 3; then
	if has "$out" '^timers n=20 \(no event loop: the same for every method, run on poll\)$' &&
		has "$out" '^  add +ns/op +[0-9.]+ \(any\) *$' &&
		has "$out" '^fire: late-\* ranked by distance from the deadline' &&
		{ ! has "$out" '\(~\)' || has "$out" '^\(~\): the min\.\.max ranges'; }; then
		ok "table: timers once, legend"
	else
		fail "table: timers row or legend"
	fi
fi

# --- --svg: well-formed, one bar per method and figure, as in the JSON
if python3 - "$tmp/chart.svg" "$tmp/run.json" >"$err" 2>&1 <<'PY'; then
import collections, json, sys
import xml.etree.ElementTree as E
root = E.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
assert root.tag == ns + "svg", root.tag
bars = [(r.get("data-backend"), r.get("data-figure"))
        for r in root.iter(ns + "rect") if r.get("class") == "bar"]
doc = json.load(open(sys.argv[2]))
want = [(r["method"], "%s %s %s" % (r["workload"], r["metric"], r["unit"]))
        for r in doc["results"]]
assert collections.Counter(bars) == collections.Counter(want), \
    (len(bars), len(want))
for r in root.iter(ns + "rect"):
    if r.get("class") == "bar":
        assert float(r.get("width")) >= 0 and float(r.get("height")) > 0
assert len([p for p in root.iter(ns + "path")
            if p.get("class") == "range"]) == len(want)
print(len(bars))
PY
	ok "--svg: well-formed, $(cat "$err") bars, one per json result"
else
	fail "--svg chart"
fi
if run 1 --method poll --workload churn $tiny --runs 1 \
	--svg "$tmp/no/such/dir/c.svg" &&
	has "$err" "^evbench: --svg: $tmp/no/such/dir/c.svg: No such file"; then
	ok "--svg: an unwritable file is an error"
else
	fail "--svg to an unwritable file"
fi

# --- --compare: a saved run, edited so that each case is certain:
# poll far slower before (ratio), select with a huge range (~), epoll
# missing (-).
cmp_args="--method poll --method select --method epoll --workload churn"
cmp_args="$cmp_args $tiny --runs 2"
if run 0 $cmp_args --json; then
	python3 - "$out" "$tmp/old.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
keep = []
for r in doc["results"]:
    if r["method"] == "poll":
        r["median"] = r["min"] = r["max"] = 1e9
    elif r["method"] == "select":
        r["min"], r["max"] = 0, 1e12
    else:
        continue
    keep.append(r)
doc["results"] = keep
json.dump(doc, open(sys.argv[2], "w"))
PY
	if run 0 $cmp_args --compare "$tmp/old.json" &&
		has "$out" '^  dispatch +ns/callback +0\.00 +~ +-$' &&
		has "$out" '^~: the min\.\.max ranges of the two runs overlap'; then
		ok "--compare: ratio, ~ and -"
	else
		fail "--compare table"
	fi
	# Other sizes are not compared.
	if run 0 --method poll --workload churn -n 21 --no-syscalls --runs 1 \
		--compare "$tmp/old.json" &&
		has "$out" '^  dispatch +ns/callback +-$'; then
		ok "--compare: another n is not compared"
	else
		fail "--compare with another n"
	fi
fi
run 2 --compare "$tmp/old.json" --json && has "$err" 'conflict' &&
	ok "--compare conflicts with --json"

# Errors: a clear message, status 1, before anything runs.
compare_error() { # compare_error PATTERN FILE
	if run 1 --method poll --workload churn $tiny --runs 1 --compare "$2" &&
		has "$err" "^evbench: --compare: $2: $1" &&
		[ ! -s "$out" ]; then
		return 0
	fi
	fail "--compare $2: no error matching '$1'"
	return 1
}
compare_error "No such file" "$tmp/nosuch.json" && ok "--compare: a missing file"
echo '[1, 2]' >"$tmp/array.json"
compare_error "not a run of evbench --json" "$tmp/array.json" &&
	ok "--compare: not a run of evbench"
printf '{"tool": "evbench", "results": [{"workload": "churn"}]}' >"$tmp/short.json"
compare_error 'results\[0\]: no "metric" string' "$tmp/short.json" &&
	ok "--compare: a result without its fields"
python3 -c 'print("[" * 100000 + "]" * 100000)' >"$tmp/deep.json"
compare_error "not JSON: offset [0-9]+: nested more than" "$tmp/deep.json" &&
	ok "--compare: deep nesting"
: >"$tmp/empty.json"
compare_error "not JSON: offset 0: unexpected end" "$tmp/empty.json" &&
	ok "--compare: an empty file"

# The reader is strict JSON: each of these is refused with its reason.
strict_case() { # strict_case REASON TEXT (printf format)
	printf "$2" >"$tmp/strict.json"
	compare_error "not JSON: offset [0-9]+: $1" "$tmp/strict.json" ||
		echo "  (the text was: $2)"
}
before=$failures
strict_case "a value expected" '[1,]'
strict_case "a name expected" '{"a": 1,}'
strict_case "text after the value" '01'
strict_case "a digit expected after" '[1.]'
strict_case "number out of range" '[1e999]'
strict_case "lone high surrogate" '["\\ud800"]'
strict_case "not UTF-8" '["\300\257"]'
strict_case "not UTF-8" '["\355\240\200"]'
strict_case "control character in a string" '["a\tb"]'
strict_case "bad escape" '["\\x"]'
strict_case "unexpected character" '[tru]'
[ "$failures" -eq "$before" ] && ok "--compare: strict JSON, 11 malformed texts"
# Names are C strings here: "\u0000" would cut one short unseen.
strict_case "\\\\u0000 in a string" '["a\\u0000b"]' &&
	ok "--compare: \\u0000 refused"
# A field given twice is ambiguous: refused, not first-wins.
sed 's/"median": /"median": 0, "median": /' "$tmp/old.json" >"$tmp/dup.json"
compare_error 'results\[0\]: "median" given twice' "$tmp/dup.json" &&
	ok "--compare: a result field given twice"
printf '{"tool": "evbench", "results": [], "tool": "x"}' >"$tmp/dup2.json"
compare_error '"tool" or "results" given twice' "$tmp/dup2.json" &&
	ok "--compare: \"tool\" given twice"
# Many small values would take 20 times the file's size in memory: capped.
python3 -c 'print("[" + "0," * 2200000 + "0]")' >"$tmp/many.json"
compare_error "not JSON: offset [0-9]+: more than 2097152 values" \
	"$tmp/many.json" && ok "--compare: at most 2097152 values"
# --svg naming the --compare file: refused, the saved run left whole.
cp "$tmp/old.json" "$tmp/keep.json"
if run 1 --method poll --workload churn $tiny --runs 1 \
	--compare "$tmp/keep.json" --svg "$tmp/keep.json" &&
	has "$err" "^evbench: --svg $tmp/keep.json: is the --compare file" &&
	cmp -s "$tmp/old.json" "$tmp/keep.json"; then
	ok "--svg over the --compare file: refused"
else
	fail "--svg over the --compare file"
fi
# A FIFO nobody writes to reads as empty instead of hanging evbench.
if mkfifo "$tmp/fifo.json" 2>/dev/null; then
	compare_error "not JSON: offset 0: unexpected end" "$tmp/fifo.json" &&
		ok "--compare: a FIFO without a writer"
fi

# Fuzz a little: every truncation of a saved run fails cleanly; random
# edits either fail cleanly or are read as a run (status 0 or 1, never a
# crash or a hang).
size=$(wc -c <"$tmp/old.json")
step=$((size / 40 + 1))
bad=0
at=0
while [ "$at" -lt "$size" ]; do
	head -c "$at" "$tmp/old.json" >"$tmp/cut.json"
	$BOUND "$EVBENCH" --method poll --workload churn $tiny --runs 1 \
		--compare "$tmp/cut.json" >"$out" 2>"$err"
	st=$?
	if [ "$st" -ne 1 ] || ! has "$err" '^evbench: --compare: .*: not JSON: offset [0-9]+: '; then
		bad=$((bad + 1))
		echo "truncated at $at: status $st: $(cat "$err")"
	fi
	at=$((at + step))
done
[ "$bad" -eq 0 ] && ok "--compare: $((size / step + 1)) truncations rejected" ||
	fail "--compare: $bad truncations not rejected cleanly"
python3 - "$tmp/old.json" "$tmp" <<'PY'
import random, sys
text = open(sys.argv[1], "rb").read()
rnd = random.Random(12)
junk = [b"\x00", b"\"", b"\\", b"{", b"]", b",", b"-", b"1e999", b"\\ud800",
        b"nul", b"\xff", b"\n"]
for i in range(40):
    t = bytearray(text)
    for _ in range(rnd.randint(1, 3)):
        at = rnd.randrange(len(t))
        if rnd.random() < 0.5:
            del t[at:at + rnd.randint(1, 5)]
        else:
            t[at:at] = rnd.choice(junk)
    open("%s/fuzz%02d.json" % (sys.argv[2], i), "wb").write(t)
PY
bad=0
for f in "$tmp"/fuzz*.json; do
	$BOUND "$EVBENCH" --method poll --workload churn $tiny --runs 1 \
		--compare "$f" >"$out" 2>"$err"
	st=$?
	case $st in
	0) has "$out" '^  dispatch ' || bad=$((bad + 1)) ;;
	1) has "$err" '^evbench: --compare: ' || bad=$((bad + 1)) ;;
	*)
		bad=$((bad + 1))
		echo "$f: status $st"
		;;
	esac
done
[ "$bad" -eq 0 ] && ok "--compare: 40 mangled files, no crash" ||
	fail "--compare: $bad mangled files mishandled"

# --- progress: on a terminal (a pty from script(1)), a line rewritten in
# place and blanked at the end; nothing on a pipe, nothing with -q.
if have script; then
	$BOUND script -qc "$EVBENCH --method poll --method select \
		--workload churn $tiny --runs 2 >$tmp/table" /dev/null \
		</dev/null >"$tmp/pty" 2>&1
	if python3 - "$tmp/pty" >"$err" 2>&1 <<'PY'; then
import sys
t = open(sys.argv[1], "rb").read().decode()
for w in ("\rchurn on poll: run 1 of 2", "\rchurn on select: run 1 of 2",
          "\rchurn on select: run 2 of 2"):
    assert w in t, (w, t)
# The last thing written blanks the line: spaces between two returns.
assert t.rstrip("\n").endswith("\r") and t.rsplit("\r", 2)[1].strip() == "", repr(t[-80:])
PY
		has "$tmp/table" '^churn n=20$' && ok "progress on a terminal" ||
			fail "progress: no table on stdout"
	else
		fail "progress on a terminal: $(cat "$err")"
	fi
	$BOUND script -qc "$EVBENCH -q --method poll --workload churn $tiny \
		--runs 2 >/dev/null" /dev/null </dev/null >"$tmp/pty" 2>&1
	[ ! -s "$tmp/pty" ] && ok "-q: no progress on a terminal" ||
		fail "-q: progress on a terminal: $(od -c "$tmp/pty" | head -3)"
else
	echo "skip: script(1) missing, no progress test on a terminal"
fi
# ^C on a terminal blanks the progress line before evbench dies of it.
if have tmux; then
	sock=$tmp/tmux.sock
	# The shell catches SIGINT (a handler, reset by exec) to live on.
	tmux -S "$sock" new-session -d -s evb -x 100 -y 5 \
		"sh -c 'trap : INT; $EVBENCH --method poll --workload fire -n 200 \
		--runs 1000 --no-syscalls >/dev/null; echo EXIT=\$?; sleep 60'"
	pane() { tmux -S "$sock" capture-pane -p -t evb; }
	pane_shows() { pane | grep -Eq "$1"; }
	# wait_pane PATTERN: up to 10 s for the pane to show it.
	wait_pane() { poll_until 100 pane_shows "$1"; }
	if wait_pane '^fire on poll: run [0-9]+ of 1000' &&
		tmux -S "$sock" send-keys -t evb C-c && wait_pane '^EXIT=' &&
		pane | grep -q '^EXIT=130$' && ! pane | grep -q 'run [0-9]* of'; then
		ok "^C blanks the progress line"
	else
		fail "^C and the progress line: $(pane)"
	fi
	tmux -S "$sock" kill-server 2>/dev/null
else
	echo "skip: tmux missing, ^C not tested"
fi
if run 0 --method poll --method select --workload churn $tiny --runs 2 |
	cat && [ ! -s "$err" ]; then
	ok "no progress when stderr is not a terminal"
else
	fail "progress or notes on a pipe: $(od -c "$err" | head -3)"
fi

# --- the man page: bench/vs-libevent, the marks, SEE ALSO that exists
man=$top_srcdir/man/evbench.1
if has "$man" 'bench/vs-libevent' && [ -x "$top_srcdir/bench/vs-libevent" ] &&
	has "$man" '^\.Sq \(-\)$' && has "$man" 'early is as'; then
	ok "evbench(1): bench/vs-libevent, (-) and early"
else
	fail "evbench(1) lacks bench/vs-libevent or the marks"
fi
missing=
for xr in $(sed -n '/^\.Sh SEE ALSO/,$s/^\.Xr \([^ ]*\) \([0-9]\).*/\1.\2/p' "$man"); do
	[ -f "$top_srcdir/man/$xr" ] && continue
	if have man; then
		man -w "${xr##*.}" "${xr%.*}" >/dev/null 2>&1 && continue
	else
		continue
	fi
	missing="$missing $xr"
done
[ -z "$missing" ] && ok "evbench(1) SEE ALSO: every page exists" ||
	fail "evbench(1) SEE ALSO names missing pages:$missing"

done_tests
