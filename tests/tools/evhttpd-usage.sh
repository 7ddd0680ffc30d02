#!/bin/sh
# evhttpd's command line: --help (equal to the man page's SYNOPSIS),
# --version, --list-methods; bad options exit 2 with a message naming the
# problem; runtime failures (no such dir, address in use) exit 1; the
# EVENT_NO* variables and --method pick the backend.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evhttpd-lib.sh"

ev() {
	timeout -k 5 10 "$EVHTTPD" "$@" </dev/null
}

ev --help >"$tmp/help" 2>&1 && grep -q '^usage: evhttpd ' "$tmp/help" &&
    grep -q -- '--follow-symlinks' "$tmp/help" && ok "--help" ||
    fail "--help"
ev -h | cmp -s - "$tmp/help" && ok "-h" || fail "-h"
ev --version | grep -q '^evhttpd (evkit) ' && ok "--version" ||
    fail "--version"
ev --list-methods | grep -qx epoll && ok "--list-methods" ||
    fail "--list-methods"

check_synopsis "$top_srcdir/man/evhttpd.1" "$tmp/help"

# bad STATUS PATTERN ARGS...: exit STATUS, "evhttpd: " + PATTERN on
# stderr, nothing on stdout.
bad() {
	want=$1
	pat=$2
	shift 2
	ev "$@" >"$tmp/out" 2>"$tmp/err"
	st=$?
	if [ $st = "$want" ] && grep -q "^evhttpd: .*$pat" "$tmp/err" &&
	    [ ! -s "$tmp/out" ]; then
		ok "$* -> $st: $(head -n 1 "$tmp/err")"
	else
		fail "$*: status $st, want $want"
		show "$tmp/err" "$tmp/out"
	fi
}
bad 2 'not a number' -p 65536
bad 2 'not a number' -p x
bad 2 'not a number' -p -1
bad 2 'requires an argument' -p
bad 2 'not a number' --threads 0
bad 2 'not a number' --threads 1000
bad 2 'not a number' --max-conns 0
bad 2 'not a number' --timeout 0
bad 2 'not a number' --max-header-size 10
bad 2 'not .Name: value.' -H 'NoColon'
bad 2 'not a header name' -H 'Bad Name: x'
bad 2 'control character' -H "X-A: $(printf 'a\001b')"
bad 2 'control character' --cache-control "$(printf 'a\001b')"
bad 2 'unknown option' --bogus
bad 2 'unknown option' -Z
bad 2 'unknown method' --method nosuch
bad 2 'too many arguments' dir1 dir2
bad 2 'needs --daemon' --pidfile "$tmp/pid"
bad 2 'conflict' --daemon -l -
bad 1 'No such file' -p 0 "$tmp/nonexistent"
bad 1 'bind' -a 192.0.2.1 -p 0 "$tmp"
bad 1 'nonexistent' -p 0 -l "$tmp/nonexistent/log" "$tmp"

# Address in use: a second server on the first one's port.
mkdir -p "$tmp/www"
if start_server epoll "$tmp/www"; then
	bad 1 'cannot bind' -p "$port" "$tmp/www"
	stop_server
	[ "$fstatus" = 0 ] && ok "SIGTERM: exit 0" ||
	    fail "SIGTERM: status $fstatus"
fi

# The environment picks the backend unless --method does.
echo hi >"$tmp/www/x"
for m in $METHODS; do
	unset EVENT_NOEPOLL EVENT_NOPOLL EVENT_NOSELECT
	for other in $METHODS; do
		[ "$other" = "$m" ] && continue
		eval "EVENT_NO$(echo "$other" | tr a-z A-Z)=1"
		export "EVENT_NO$(echo "$other" | tr a-z A-Z)"
	done
	EVENT_SHOW_METHOD=1 timeout -k 5 10 "$EVHTTPD" -p 0 "$tmp/www" \
	    </dev/null 2>"$tmp/env.$m.err" &
	pid=$!
	pids="$pids $pid"
	p=$(port_from "$tmp/env.$m.err")
	got=$(curl -s --max-time 5 "http://127.0.0.1:$p/x")
	kill "$pid"
	wait "$pid"
	if [ "$got" = hi ] && grep -qi "$m" "$tmp/env.$m.err"; then
		ok "EVENT_NO* leave $m: $(grep -i "$m" "$tmp/env.$m.err" | head -n 1)"
	else
		fail "EVENT_NO* leave $m: got '$got'"
		show "$tmp/env.$m.err"
	fi
done
unset EVENT_NOEPOLL EVENT_NOPOLL EVENT_NOSELECT

done_tests
