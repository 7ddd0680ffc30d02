#!/bin/sh
# Black-box tests of evbench: options, errors, exit codes, every workload on
# every method at tiny sizes, and the three output formats.
# An automake test (exit 0 pass, 1 fail, 77 skip); EVBENCH may name another
# binary, e.g. one built against the system libevent.

. "${top_srcdir:-.}/tests/tools/test-lib.sh"
EVBENCH=${EVBENCH:-$top_builddir/tools/evbench/evbench}
LIMIT=60 # seconds for any one command

prog=$(basename "$EVBENCH")
if [ ! -x "$EVBENCH" ]; then
	echo "FAIL: $EVBENCH not built"
	exit 1
fi
BOUND="timeout -k 5 $LIMIT"
out=$tmp/out
err=$tmp/err
FAIL_SHOW="$out $err"

# The variables a test may set: none of them leaks in from outside.
unset EVENT_NOEPOLL EVENT_NOPOLL EVENT_NOSELECT EVENT_NODEVPOLL \
	EVENT_NOKQUEUE EVENT_NOEVPORT EVENT_NOWIN32 EVENT_SHOW_METHOD \
	EVENT_PRECISE_TIMER EVENT_EPOLL_USE_CHANGELIST

# run EXPECTED-STATUS ARGS...: run evbench, keep its output in $out, $err.
# run_env "NAME=VALUE ..." EXPECTED-STATUS ARGS...: the same, with those
# variables in its environment.
RUN_ENV=
run() {
	want=$1
	shift
	$BOUND env $RUN_ENV "$EVBENCH" "$@" >"$out" 2>"$err"
	status=$?
	if [ "$status" -ne "$want" ]; then
		fail "${RUN_ENV:+$RUN_ENV }evbench $* exited $status, not $want"
		return 1
	fi
	return 0
}

run_env() {
	RUN_ENV=$1
	shift
	run "$@"
	rc=$?
	RUN_ENV=
	return $rc
}

has() { # has FILE PATTERN: grep -E, quietly
	grep -Eq -- "$2" "$1"
}

methods="epoll poll select"

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
	for m in $methods; do
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

usage_error "^$prog: unknown method 'nosuch' \(available: epoll poll select\)" \
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
if run_env "EVENT_NOEPOLL=1 EVENT_NOPOLL=1 EVENT_NOSELECT=1" 1 --workload timers \
	-n 10 --runs 1; then
	if has "$err" "^$prog: every method is disabled"; then
		ok "no method left: status 1"
	else
		fail "no message when every method is disabled"
	fi
fi

# --- every workload on every method, tiny sizes, CSV
tiny="-n 20 -a 5 -w 5 --runs 1"
if run 0 --method all --workload all $tiny --csv; then
	header='workload,metric,unit,method,n,active,writes,runs,median,min,max,ratio'
	if [ "$(sed -n 1p "$out")" != "$header" ]; then
		fail "csv header"
	fi
	# ae (the Redis ae API) exists only in an evbench built on evkit.
	jobs="pipes:2 pipes+timeouts:2 timers:3 fire:3 cascade:2 churn:1"
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
	# Every row: 12 fields, median/min/max numeric, min <= median <= max.
	bad=$(awk -F, 'NR > 1 && (NF != 12 || $9 !~ /^-?[0-9]+\.[0-9]+$/ ||
		$10 > $9 || $9 > $11) { print }' "$out")
	[ -z "$bad" ] || fail "csv rows malformed: $bad"
	rows=$(($(wc -l <"$out") - 1))
	nrows=$((nrows * $(echo $methods | wc -w)))
	[ "$rows" -eq "$nrows" ] || fail "csv: $rows rows, not $nrows"
	ok "every workload on every method (csv, $rows rows)"
fi

# --- the table: a column per method, ratios, the sizes in the titles
if run 0 --method all --workload pipes --workload cascade $tiny; then
	if has "$out" '^ +epoll +poll +select$' &&
		has "$out" '^pipes n=20 a=5 w=5$' &&
		has "$out" '^pipes\+timeouts n=20 a=5 w=5$' &&
		has "$out" '^cascade n=20$' &&
		has "$out" '^  dispatch +ns/callback +[0-9.]+ \([0-9.]+\) ' &&
		has "$out" '\(1\.00\)'; then
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
if run 0 -v --method poll --method select --workload timers $tiny &&
	has "$err" "^$prog: timers on select: run 1 of 1$" &&
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
	if has "$out" '^ +poll +select$' && ! has "$out" 'epoll'; then
		ok "EVENT_NOEPOLL leaves epoll out"
	else
		fail "EVENT_NOEPOLL: epoll still in the table"
	fi
fi
if run_env "EVENT_NOPOLL=1 EVENT_NOSELECT=1" 0 --workload timers $tiny &&
	has "$out" '^epoll +median +min +max$'; then
	ok "EVENT_NOPOLL EVENT_NOSELECT leave epoll alone"
else
	fail "EVENT_NOPOLL EVENT_NOSELECT"
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
if run_env "EVENT_SHOW_METHOD=1 EVENT_NOPOLL=1" 0 --workload timers $tiny &&
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

done_tests
