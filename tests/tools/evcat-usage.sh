#!/bin/sh
# evcat's command line: usage errors exit 2 right after parsing
# (conflicting flags as nc rejects them, bad numbers, bad ports); runtime
# failures exit 1 with a "evcat: what: why" message; --help, --version,
# --list-methods exit 0; --method picks the backend.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evcat-lib.sh"

out=$tmp/out
err=$tmp/err

# expect STATUS ARGS...: evcat ARGS must exit STATUS (stdin /dev/null).
expect() {
	want=$1
	shift
	timeout -k 5 10 "$EVCAT" "$@" </dev/null >"$out" 2>"$err"
	status=$?
	if [ $status -eq "$want" ]; then
		ok "evcat $* -> $want"
		return 0
	fi
	fail "evcat $* exited $status, not $want"
	show "$out" "$err"
	return 1
}

# Usage errors: status 2 and a message on stderr (flag conflicts print the
# usage too; bad numbers name the option and the range).
for args in "" "-l" "onlyhost" "a b c" "-4 -6 h 1" "-l -s 127.0.0.1 0" \
    "-l -p 1234 0" "-l -z 0" "-k h 1" "--broker h 1" "-u --broker -l 0" \
    "-U -u /tmp/x" "-U -4 /tmp/x" "-U" "-z h" "-z -l h 1" "-w 0 h 1" \
    "-w x h 1" "-q x h 1" "-q -2 h 1" "-p 0 h 1" "h 65536" "h 0" \
    "-l 65536" "--rate 0 h 1" "--rate 1X h 1" "-u --rate 1K h 1" \
    "-i -d h 1" "-i h 1" "--bogus" "-Y" "-w" "--method nosuch h 1" \
    "--method poll --method select h 1" "-q" "-w 1x h 1" "-q 5 ms h 1" \
    "--send-only --recv-only h 1" "--send-only -d h 1" "--recv-only -i h 1" \
    "--send-only -u h 1" "-C -u h 1" "-z -C h 1" "-l -s 127.0.0.1 -p 1 0" \
    "-l -p 1 2" "-l -p 1 a 2" "-l -p 1 a b c" "-I 0 h 1" "-O x h 1" \
    "--rate 1.5MB h 1" "--hex-dump" "-o"; do
	# shellcheck disable=SC2086
	if expect 2 $args && ! grep -q '^evcat: ' "$err" &&
	    ! grep -q '^usage: evcat ' "$err"; then
		fail "evcat $args: no message on stderr"
	fi
done

# An empty -U path would listen on an autobound abstract socket.
expect 2 -lU "" && grep -q '^evcat: -U: empty path$' "$err" ||
	fail "-lU '': message"
expect 2 -U "" && grep -q 'empty path' "$err" || fail "-U '': message"
# --rate names its bound in bytes, whatever unit the argument used.
expect 2 --rate 99999999999G h 1 &&
	grep -q "'99999999999G' .* between 1 and 17179869184" "$err" ||
	fail "--rate 99999999999G: message"
expect 2 --rate 17G h 1 && grep -q "17179869184" "$err" ||
	fail "--rate 17G: message"

# The messages of the defects fixed for issue 12.
expect 2 --broker h 1 && grep -q '^evcat: --broker needs -l$' "$err" ||
	fail "--broker without -l: message"
expect 2 -w abc h 1 &&
	grep -q "^evcat: -w: 'abc' is not a time (.*500ms, 2s" "$err" ||
	fail "-w abc: message"
expect 2 --send-only --recv-only h 1 &&
	grep -q '^evcat: --send-only and --recv-only conflict$' "$err" ||
	fail "--send-only --recv-only: message"
expect 2 --recv-only -i h 1 &&
	grep -q '^evcat: --recv-only and -i conflict$' "$err" ||
	fail "--recv-only -i: message"
expect 2 -l -p 1234 127.0.0.1 4321 &&
	grep -q '^evcat: -l: two ports, -p 1234 and 4321' "$err" ||
	fail "-l -p P Q: message"
expect 2 --rate 0.1 h 1 &&
	grep -q "between 1 and 17179869184 (16G) bytes per second" "$err" ||
	fail "--rate 0.1: message"
# Numbers are plain decimals, as nc takes them: strtod's hex, exponents,
# inf and nan are not times or rates.
for t in 0x10 1e3 inf nan infinity 0x1p4 -0 ' 1' +1; do
	expect 2 -q "$t" h 1 &&
	    grep -q "^evcat: -q: '$t' is not a time (" "$err" ||
	    fail "-q '$t': message"
	expect 2 --rate "$t" h 1 &&
	    grep -q "^evcat: --rate: '$t' is not a rate " "$err" ||
	    fail "--rate '$t': message"
done
# An empty destination or address is a usage error, not a resolver's.
expect 2 "" 80 && grep -q '^evcat: empty destination$' "$err" ||
	fail "'' 80: message"
expect 2 -l "" 80 && grep -q '^evcat: empty address$' "$err" ||
	fail "-l '' 80: message"
# An IPv6 address in brackets (as socat and URLs write it) is taken.
if expect 1 "[::1]" 1; then
	grep -q '^evcat: connect to \[::1\]:1 ' "$err" ||
	    fail "[::1] 1: not taken as ::1: $(cat "$err")"
fi
# A time that is a time but too short or too long says the range.
expect 2 -w 0 h 1 &&
	grep -q "^evcat: -w: '0' is out of range: from 1ms to 365 days$" \
	    "$err" || fail "-w 0: message"
expect 2 -w 0.0001 h 1 && grep -q "'0.0001' is out of range" "$err" ||
	fail "-w 0.0001: message"
expect 2 -q 9000h h 1 &&
	grep -q "^evcat: -q: '9000h' is out of range: .*, or -1 for never$" \
	    "$err" || fail "-q 9000h: message"
expect 2 -q 99999999999999999999 h 1 && grep -q "out of range" "$err" ||
	fail "-q 99999999999999999999: message"
# --help: -q takes a time, quiet is --quiet (in the synopsis too).
"$EVCAT" --help >"$tmp/help"
if grep -q -- '^  -q time  *quit that long' "$tmp/help" &&
    grep -q -- '^  --quiet  ' "$tmp/help" &&
    grep -q -- '\[--quiet\]' "$tmp/help" &&
    ! grep -q -- '-q alone' "$tmp/help"; then
	ok "--help: -q time, --quiet"
else
	fail "--help: -q/--quiet lines"
	show "$tmp/help"
fi

# Informational options.
expect 0 --help && grep -q '^usage: evcat ' "$out" ||
	fail "--help prints no usage"
expect 0 -h
expect 0 --version && grep -q '^evcat (evkit) ' "$out" ||
	fail "--version output"
expect 0 --list-methods && grep -qx poll "$out" ||
	fail "--list-methods lacks poll"

# The synopsis in --help is the man page's (mandoc renders it the same).
"$EVCAT" --help >"$tmp/usage"
check_synopsis "$top_srcdir/man/evcat.1" "$tmp/usage"

# Runtime failures: status 1 and a message naming what failed.
rm -f "$tmp/l.err"
bg "$EVCAT" -d -l 127.0.0.1 0 >/dev/null 2>"$tmp/l.err"
port=$(port_from "$tmp/l.err")
kill $bgpid
wait $bgpid 2>/dev/null
expect 1 127.0.0.1 "$port" &&
	grep -q "^evcat: connect to 127.0.0.1:$port (tcp): Connection refused" \
	    "$err" || fail "refused: message"
expect 1 -n not.an.address 80
# --rate with a fraction is accepted: the refused connect says so.
expect 1 --rate 1.5M 127.0.0.1 "$port" && grep -q refused "$err" ||
	fail "--rate 1.5M: not accepted"
# A name under -n, an unknown service, a source that cannot be bound:
# each said as what it is.
expect 1 -n localhost 80 &&
	grep -q "^evcat: -n: 'localhost' is not a numeric address$" "$err" ||
	fail "-n localhost: message"
expect 1 127.0.0.1 abc &&
	grep -q "^evcat: unknown port or service 'abc'$" "$err" ||
	fail "port abc: message"
if expect 1 -s 192.0.2.77 127.0.0.1 "$port"; then
	if grep -q '^evcat: bind to 192.0.2.77: Cannot assign requested' \
	    "$err" && ! grep -q 'connect to' "$err"; then
		ok "-s 192.0.2.77: reported as the bind that failed"
	else
		fail "-s 192.0.2.77: message"
		show "$err"
	fi
fi
# Every backend disabled by EVENT_NO*: said, status 1 (as evbench).
(
	for mm in $("$EVCAT" --list-methods); do
		export "EVENT_NO$(echo "$mm" | tr a-z A-Z)=1"
	done
	timeout -k 5 10 "$EVCAT" 127.0.0.1 "$port" </dev/null 2>"$err"
	echo $? >"$tmp/st"
)
if [ "$(cat "$tmp/st")" = 1 ] &&
    grep -q '^evcat: every event backend is disabled by EVENT_NO' "$err"; then
	ok "every backend disabled: said, status 1"
else
	fail "every backend disabled (status $(cat "$tmp/st"))"
	show "$err"
fi
# A source that does not resolve: that error only, no connect tried.
if expect 1 -s 1.2.3.4.5 127.0.0.1 "$port"; then
	if [ "$(grep -c . "$err")" -eq 1 ] &&
	    grep -q '^evcat: source 1.2.3.4.5: ' "$err"; then
		ok "-s 1.2.3.4.5: the resolution error alone"
	else
		fail "-s 1.2.3.4.5: messages"
		show "$err"
	fi
fi

# A port in use.
rm -f "$tmp/l.err"
bg "$EVCAT" -d -l 127.0.0.1 0 >/dev/null 2>"$tmp/l.err"
lpid=$bgpid
port=$(port_from "$tmp/l.err")
expect 1 -l 127.0.0.1 "$port" && grep -q "in use" "$err" ||
	fail "port in use: message"
kill $lpid

# --method: the backend asked for is the one used.
for m in $METHODS; do
	EVENT_SHOW_METHOD=1 timeout -k 5 5 "$EVCAT" --method "$m" -z 127.0.0.1 1 \
	    >/dev/null 2>"$err"
	if grep -q "using method $m" "$err"; then
		ok "--method $m"
	else
		fail "--method $m"
		show "$err"
	fi
done

done_tests
