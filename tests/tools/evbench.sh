#!/bin/sh
# Black-box tests of evbench: options, errors, exit codes, every workload on
# every method at tiny sizes, and the three output formats.
# An automake test (exit 0 pass, 1 fail, 77 skip); EVBENCH may name another
# binary, e.g. one built against the system libevent.

. "${top_srcdir:-.}/tests/tools/evbench-lib.sh"

# Every method the library has, in its order: epoll, poll and select at
# least, io_uring too where it is built.
methods=$("$EVBENCH" --list-methods | tr '\n' ' ' | sed 's/ *$//')
# off_but [METHOD]: the EVENT_NO* settings of every method but METHOD.
off_but() {
	for m in $methods; do
		[ "$m" = "${1:-}" ] ||
			printf ' EVENT_NO%s=1' "$(echo "$m" | tr '[:lower:]' '[:upper:]')"
	done
}
all_off=$(off_but)
# The table header of a run on every method (ERE).
header_re="^ +$(echo "$methods" | sed 's/ / +/g')"

# --- help, version, methods
if run 0 --help && has "$out" '^usage: evbench \[-hqVv\]' &&
	has "$out" '--workload name\]' && has "$out" '^  churn '; then
	ok "--help"
else
	fail "--help output"
fi

run 0 -h && ok "-h"

# usage() must equal the man page SYNOPSIS, whitespace aside.
if command -v mandoc >/dev/null 2>&1; then
	synopsis=$(mandoc -Tascii "$top_srcdir/man/evbench.1" 2>/dev/null |
		sed 's/.\x08//g' | sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' |
		sed '1d;$d' | tr -s ' \n\t' ' ' | sed 's/^ //;s/ $//')
	run 0 --help
	usage=$(sed '/^$/,$d' "$out" | sed 's/^usage: //' |
		tr -s ' \n\t' ' ' | sed 's/^ //;s/ $//')
	if [ -n "$synopsis" ] && [ "$synopsis" = "$usage" ]; then
		ok "usage equals the man page SYNOPSIS"
	else
		fail "usage differs from SYNOPSIS:
  man:   $synopsis
  usage: $usage"
	fi
else
	echo "skip: mandoc missing, usage not compared with SYNOPSIS"
fi

if run 0 --version && has "$out" "^$prog \\(evkit\\) [0-9]" &&
	has "$out" '^event library [0-9]'; then
	ok "--version"
else
	fail "--version output"
fi
run 0 -V && ok "-V"

if run 0 --list-methods; then
	for m in epoll poll select; do
		has "$out" "^$m\$" || fail "--list-methods lacks $m"
	done
	ok "--list-methods"
fi

# --- usage errors: status 2 and a message
usage_error() { # usage_error PATTERN ARGS...
	pattern=$1
	shift
	if run 2 "$@"; then
		if has "$err" "$pattern"; then
			ok "usage error: $*"
		else
			fail "no '$pattern' on stderr for: $*"
		fi
	fi
}

usage_error "^$prog: unknown method 'nosuch' \(available: $methods\)" \
	--method nosuch
usage_error "^$prog: -n: 'abc' is not a number between 1 and [0-9]+$" -n abc
usage_error "^$prog: -n: '0' is not a number between 1" -n 0
usage_error "^$prog: -n: '5x' is not a number" -n 5x
usage_error "^$prog: -a: '' is not a number" -a ''
usage_error "^$prog: --runs: '0' is not a number between 1 and 1000" --runs 0
usage_error "^$prog: -w: '-1' is not a number between 0" -w -1
usage_error "^$prog: unknown workload 'nosuch' \(available: pipes timers" \
	--workload nosuch
usage_error "conflict" --csv --json
usage_error "conflict" --timeouts --no-timeouts
usage_error "^$prog: unknown option '--bogus'" --bogus
usage_error "^$prog: unknown option -- 'x'" -x
usage_error "^$prog: option requires an argument -- 'n'" -n
usage_error "^$prog: option '--method' requires an argument" --method
usage_error "^$prog: unexpected argument 'extra'" extra
usage_error "^$prog: -a 50 is more than the 10 socketpairs of pipes" \
	--workload pipes -n 10 -a 50
usage_error "^usage: evbench" --bogus

# --- runtime failure: status 1
if run_env "$all_off" 1 --workload timers -n 10 --runs 1; then
	if has "$err" "^$prog: every method is disabled"; then
		ok "no method left: status 1"
	else
		fail "no message when every method is disabled"
	fi
fi

# --- every workload on every method, tiny sizes, CSV (no system call
# rows, whose number depends on the machine: tested further down)
tiny="-n 20 -a 5 -w 5 --runs 1"
if run 0 --method all --workload all $tiny --csv --no-syscalls; then
	header='workload,metric,unit,method,n,active,writes,timeouts,runs'
	header="$header,median,min,max,ratio,within_noise,samples,version,library"
	header="$header,kernel,cpu,cores,load"
	if [ "$(sed -n 1p "$out")" != "$header" ]; then
		fail "csv header"
	fi
	# ae (the Redis ae API) exists only in an evbench built on evkit.
	# timers never runs the loop: its rows are the method "any" once.
	jobs="pipes:2 pipes+timeouts:2 fire:3 cascade:2 churn:1"
	jobs="$jobs setup:3"
	nrows=13
	if "$EVBENCH" --help 2>&1 | grep -q '^  ae '; then
		jobs="$jobs ae:2"
		nrows=15
	fi
	for job in $jobs; do
		name=${job%:*}
		want=${job#*:}
		for m in $methods; do
			got=$(grep -c "^$name,[a-z0-9-]*,[a-z/]*,$m,20," "$out")
			if [ "$got" -ne "$want" ]; then
				fail "csv: $got rows for $name on $m, not $want"
			fi
		done
	done
	got=$(grep -c "^timers,[a-z]*,ns/op,any,20," "$out")
	[ "$got" -eq 3 ] || fail "csv: $got rows for timers on any, not 3"
	# Every row: 21 fields (the CPU model may be quoted), median/min/max
	# numeric, min <= median <= max.
	if have python3; then
		bad=$(python3 -c '
import csv, re, sys
rows = list(csv.reader(open(sys.argv[1])))
num = re.compile(r"^-?[0-9]+\.[0-9]+$")
for r in rows[1:]:
    if (len(r) != 21 or not all(num.match(x) for x in r[9:12])
            or not float(r[10]) <= float(r[9]) <= float(r[11])):
        print(",".join(r))' "$out")
		[ -z "$bad" ] || fail "csv rows malformed: $bad"
	fi
	rows=$(($(wc -l <"$out") - 1))
	nrows=$((nrows * $(echo $methods | wc -w) + 3))
	[ "$rows" -eq "$nrows" ] || fail "csv: $rows rows, not $nrows"
	ok "every workload on every method (csv, $rows rows)"
fi

# --- the table: a column per method, ratios, the sizes in the titles
if run 0 --method all --workload pipes --workload cascade $tiny; then
	if has "$out" "$header_re\$" &&
		has "$out" '^pipes n=20 a=5 w=5$' &&
		has "$out" '^pipes\+timeouts n=20 a=5 w=5$' &&
		has "$out" '^cascade n=20$' &&
		has "$out" '^  dispatch +ns/callback +[0-9.]+ \(([0-9.]+|~)\) ' &&
		has "$out" '\((1\.00|~)\)'; then
		ok "table with one column per method"
	else
		fail "table layout"
	fi
fi

# One method: median, min, max columns.
if run 0 --method poll --workload timers $tiny &&
	has "$out" '^poll +median +min +max$' &&
	has "$out" '^  add +ns/op +[0-9.]+ +[0-9.]+ +[0-9.]+$'; then
	ok "table for one method"
else
	fail "table for one method"
fi

# -q: no title line; -v: progress on stderr and min..max in the table.
if run 0 -q --method poll --workload timers $tiny && ! has "$out" '^evbench '; then
	ok "-q"
else
	fail "-q still prints the title"
fi
if run 0 -v --method poll --method select --workload churn $tiny &&
	has "$err" "^$prog: churn on select: run 1 of 1$" &&
	has "$out" '\[[0-9.-]+\.\.[0-9.-]+\]'; then
	ok "-v"
else
	fail "-v"
fi

# --timeouts / --no-timeouts pick one pipes variant.
if run 0 --method epoll --workload pipes --timeouts $tiny --csv &&
	has "$out" '^pipes\+timeouts,' && ! has "$out" '^pipes,'; then
	ok "--timeouts"
else
	fail "--timeouts"
fi
if run 0 --method epoll --workload pipes --no-timeouts $tiny --csv &&
	has "$out" '^pipes,' && ! has "$out" '^pipes\+timeouts,'; then
	ok "--no-timeouts"
else
	fail "--no-timeouts"
fi

# --- JSON
if run 0 --method epoll --method poll --workload all $tiny --json; then
	if command -v python3 >/dev/null 2>&1; then
		if python3 -m json.tool "$out" >/dev/null 2>"$err"; then
			ok "json parses"
		else
			fail "json does not parse"
		fi
	else
		echo "skip: python3 missing, json not parsed"
	fi
	has "$out" '"method": "poll"' || fail "json lacks poll results"
fi

# --- environment
if run_env "EVENT_NOEPOLL=1" 0 --workload timers $tiny; then
	if has "$out" "$(echo "$header_re" | sed 's/ +epoll//')\$" &&
		! has "$out" 'epoll'; then
		ok "EVENT_NOEPOLL leaves epoll out"
	else
		fail "EVENT_NOEPOLL: epoll still in the table"
	fi
fi
if run_env "$(off_but epoll)" 0 --workload timers $tiny &&
	has "$out" '^epoll +median +min +max$'; then
	ok "EVENT_NO* of the others leave epoll alone"
else
	fail "EVENT_NO* of all but epoll"
fi
if run_env "EVENT_NOEPOLL=1" 0 --method epoll --workload timers $tiny &&
	has "$out" '^epoll '; then
	ok "--method wins over EVENT_NOEPOLL"
else
	fail "--method epoll with EVENT_NOEPOLL"
fi
if run_env "EVENT_SHOW_METHOD=1" 0 --method poll --workload timers $tiny &&
	has "$err" "^$prog: using method poll$"; then
	ok "EVENT_SHOW_METHOD with --method"
else
	fail "EVENT_SHOW_METHOD with --method"
fi
if run_env "EVENT_SHOW_METHOD=1 EVENT_NOPOLL=1" 0 --workload churn \
	--no-syscalls $tiny &&
	has "$err" 'using method epoll' && has "$err" 'using method select' &&
	! has "$err" 'using method poll'; then
	ok "EVENT_SHOW_METHOD without --method"
else
	fail "EVENT_SHOW_METHOD without --method"
fi
if run_env "EVENT_PRECISE_TIMER=1 EVENT_EPOLL_USE_CHANGELIST=1" 0 --method epoll \
	--workload churn --workload fire $tiny; then
	ok "EVENT_PRECISE_TIMER, EVENT_EPOLL_USE_CHANGELIST"
fi

# --- the open-files limit caps n, and says so
if (ulimit -n 100) 2>/dev/null; then
	(
		ulimit -n 100
		exec $BOUND "$EVBENCH" --method epoll --workload cascade \
			-n 1000 --runs 1
	) >"$out" 2>"$err"
	if [ $? -eq 0 ] && has "$err" 'capped to 18 by the open-files limit' &&
		has "$out" '^cascade n=18$'; then
		ok "open-files limit caps n"
	else
		fail "open-files cap"
	fi
fi

# select caps every method below FD_SETSIZE.
if run 0 --method epoll --method select --workload cascade -n 5000 \
	--runs 1 && has "$err" 'select cannot watch' &&
	has "$out" '^cascade n=480$'; then
	ok "FD_SETSIZE caps n when select is measured"
else
	fail "FD_SETSIZE cap"
fi

# --- system calls per iteration: counted, or a note that says why not
if run 0 --method all --workload churn --workload setup --workload fire \
	$tiny; then
	if has "$out" '^syscalls: not counted \(.+\)$'; then
		ok "$(grep '^syscalls: not counted' "$out")"
		! has "$out" '^  syscalls ' || fail "syscall rows, yet not counted"
		counted=0
	elif has "$out" '^  syscalls +/iteration( +[0-9.]+ \(([0-9.-]+|~)\))+$' &&
		has "$out" '^  syscalls +/callback ' &&
		has "$out" '^  syscalls +total +[0-9.]+ '; then
		ok "syscall rows: /iteration, /callback, total"
		counted=1
	else
		fail "neither syscall rows nor a note"
		counted=0
	fi
fi
# Exact where the count is known: poll and select make one call per
# iteration (the wait), whatever the callbacks add and delete.
if [ "$counted" = 1 ]; then
	for m in poll select; do
		if run 0 --method $m --workload churn $tiny --csv &&
			has "$out" "^churn,syscalls,/iteration,$m,20,,,,1,1\.000,"; then
			ok "churn on $m: 1 system call per iteration"
		else
			fail "churn on $m: not 1 system call per iteration"
		fi
	done
fi
# Refused counters: the reason is in the table, the run goes on.
if run_env "EVBENCH_SYSCALL_TRACEPOINT=abc" 0 --method poll --workload churn \
	$tiny && has "$out" "^syscalls: not counted \(EVBENCH_SYSCALL_TRACEPOINT='abc' is not a number\)\$" &&
	! has "$out" '^  syscalls ' && has "$out" '^  dispatch '; then
	ok "a bad tracepoint id: not counted, and says why"
else
	fail "EVBENCH_SYSCALL_TRACEPOINT=abc"
fi
if run_env "EVBENCH_SYSCALL_TRACEPOINT=4000000000" 0 --method poll \
	--workload churn $tiny &&
	has "$out" '^syscalls: not counted \((perf_event_open|self-test)'; then
	ok "an unknown tracepoint: not counted"
else
	fail "EVBENCH_SYSCALL_TRACEPOINT=4000000000"
fi
if run 0 --no-syscalls --method poll --workload churn $tiny &&
	has "$out" '^syscalls: not counted \(--no-syscalls\)$' &&
	! has "$out" '^  syscalls '; then
	ok "--no-syscalls"
else
	fail "--no-syscalls"
fi
# No loop, no system call figures and no note.
if run 0 --method poll --workload timers $tiny && ! has "$out" 'syscalls'; then
	ok "timers: no system call figures"
else
	fail "timers: system call figures or note"
fi

# CSV and JSON carry the figures, or say why not.
if run 0 --method poll --workload churn --workload setup $tiny --csv; then
	if [ "$counted" = 1 ]; then
		has "$out" '^churn,syscalls,/iteration,poll,20,' &&
			has "$out" '^churn,syscalls,/callback,poll,20,' &&
			has "$out" '^setup,syscalls,total,poll,20,' &&
			ok "csv: syscall rows" || fail "csv: syscall rows"
	else
		has "$err" "^$prog: syscalls: not counted \\(" &&
			! has "$out" ',syscalls,' &&
			ok "csv: not counted, said on stderr" ||
			fail "csv: no note on stderr"
	fi
fi
if run 0 --method poll --workload churn --workload setup $tiny --json; then
	if [ "$counted" = 1 ]; then
		has "$out" '"syscalls": \{"counted": true\}' &&
			has "$out" '"metric": "syscalls", "unit": "/iteration"' &&
			has "$out" '"metric": "syscalls", "unit": "total"' &&
			ok "json: syscall results" || fail "json: syscall results"
	else
		has "$out" '"syscalls": \{"counted": false, "reason": "[^"]+"\}' &&
			! has "$out" '"metric": "syscalls"' &&
			ok "json: not counted, with the reason" ||
			fail "json: syscalls object"
	fi
fi

# --- five methods (or as many as there are), one of evbench's own whose
# name is 8 characters long: table widths, CSV and JSON.
if echo " $methods " | grep -q ' epoll '; then
	five="$methods epoll-cl"
	nm=$(echo $five | wc -w)
	if run 0 --method all --method epoll-cl --workload setup \
		--workload churn $tiny; then
		# Every line but the title as wide as the header, a cell per
		# method in every figure row.
		bad=$(sed 1d "$out" | awk -v n="$nm" '
			NR == 1 { w = length($0) }
			NR > 1 && /^  / && (length($0) != w || gsub(/\(([0-9.-]+|~)\)/, "&") != n)')
		if has "$out" "^ +$(echo "$five" | sed 's/ / +/g')\$" &&
			[ -z "$bad" ]; then
			ok "$nm methods: table"
		else
			fail "$nm methods: table misaligned: $bad"
		fi
	fi
	if run 0 --method all --method epoll-cl --workload setup $tiny --csv &&
		[ "$(grep -c '^setup,[a-z-]*,[a-z/]*,epoll-cl,20,' "$out")" -ge 3 ]; then
		ok "$nm methods: csv"
	else
		fail "$nm methods: csv rows of epoll-cl"
	fi
	if run 0 --method all --method epoll-cl --workload setup $tiny --json &&
		has "$out" '"methods": \[.*"epoll-cl"\]' &&
		has "$out" '"method": "epoll-cl"'; then
		if command -v python3 >/dev/null 2>&1 &&
			! python3 -m json.tool "$out" >/dev/null 2>"$err"; then
			fail "$nm methods: json does not parse"
		else
			ok "$nm methods: json"
		fi
	else
		fail "$nm methods: json"
	fi
fi

done_tests
