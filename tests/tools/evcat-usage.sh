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
    "--method poll --method select h 1"; do
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
expect 1 -s 192.0.2.77 127.0.0.1 "$port"
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
