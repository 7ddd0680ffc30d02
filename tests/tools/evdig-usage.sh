#!/bin/sh
# evdig's command line without a server: --help prints the usage (equal to
# the man page's SYNOPSIS), --version and --list-methods work, and every
# bad option, number, type, class or address exits 1 (dig's usage status)
# with a message naming it.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evdig-lib.sh"

ev --help >"$tmp/help" 2>&1 && grep -q '^usage: evdig ' "$tmp/help" &&
    grep -q -- '--concurrency' "$tmp/help" && ok "--help" || fail "--help"
ev --version | grep -q '^evdig (evkit) ' && ok "--version" ||
    fail "--version"
ev --list-methods | grep -qx epoll && ok "--list-methods" ||
    fail "--list-methods"

check_synopsis "$top_srcdir/man/evdig.1" "$tmp/help"

# bad ARGS... PATTERN: exit 1 and a message matching PATTERN.
bad() {
	pat=$1
	shift
	timeout -k 5 "$LIMIT" "$EVDIG" "$@" >"$tmp/out" 2>"$tmp/err"
	st=$?
	if [ $st = 1 ] && grep -q -- "$pat" "$tmp/err" && [ ! -s "$tmp/out" ]
	then
		ok "$* -> 1: $(head -n 1 "$tmp/err")"
	else
		fail "$*: status $st"
		show "$tmp/err" "$tmp/out"
	fi
}
bad '+bogus' @127.0.0.1 example.org +bogus
bad 'not a number' @127.0.0.1 -p 99999 example.org
bad 'not a number' @127.0.0.1 -p x example.org
bad 'requires an argument' -p
bad 'not a number' @127.0.0.1 example.org +timeout=0
bad 'not a number' @127.0.0.1 example.org +tries=abc
bad 'not a number' @127.0.0.1 example.org +bufsize=70000
bad 'not a number' --concurrency 0 -f /dev/null
bad "invalid type" -t BOGUS example.org
bad "invalid class" -c XX example.org
bad "not an IPv4 or IPv6" -x 300.1.2.3
bad "conflict" -4 -6 example.org
bad "unknown option" --bogus
bad "unknown option" -z example.org
bad "unknown method" --method nosuch example.org
bad "empty server" @ example.org
bad "zone transfers" example.org AXFR
bad "-f and -i conflict" -f /dev/null -i
bad "+tls-ca: empty" +tls-ca= example.org
bad "+tls-hostname: empty" +tls-hostname= example.org
bad "cannot load" @127.0.0.1 +tls-ca=/nonexistent/ca.pem example.org
bad "not a legal name" @127.0.0.1 'a..b'
bad "not a legal name" @127.0.0.1 \
    "$(head -c 64 /dev/zero | tr '\0' a).example"

# A server name that has no address of the family asked: exit 10.
ev -4 @::1 example.org >/dev/null 2>"$tmp/err"
st=$?
[ $st = 10 ] && grep -q "couldn't get address" "$tmp/err" &&
    ok "-4 @::1: exit 10" || fail "-4 @::1: status $st"

# -i needs a terminal.
ev -i </dev/null >/dev/null 2>"$tmp/err"
st=$?
[ $st = 1 ] && grep -q terminal "$tmp/err" && ok "-i without a terminal: 1" ||
    fail "-i without a terminal: $st"

done_tests
