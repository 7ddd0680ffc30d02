#!/bin/sh
# evcat --proxy through real proxies started here on loopback: microsocks
# (SOCKS5, without and with user/password) and tinyproxy (HTTP CONNECT,
# Basic auth).  Through each, data both ways with an nc destination whose
# banner, sent at once, must not be lost in the handshake; a wrong
# password, a missing one and a refused destination each give a clear
# message and status 1.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evcat-lib.sh"

need nc microsocks tinyproxy

# start_dest: an nc destination sending a banner at once; $dport, $dpid.
start_dest() {
	rm -f "$tmp/d.err" "$tmp/d.out"
	# Each side ends only once it has the other's data: proxies
	# (microsocks, tinyproxy) close both ways at one side's EOF.
	: >"$tmp/d.out"
	bg sh -c '{ cat "$1"; i=0; while ! grep -q hello "$2" &&
	    [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done; } |
	    nc -N -v -l 127.0.0.1 0 >"$2"' sh "$tmp/banner" "$tmp/d.out" \
	    2>"$tmp/d.err"
	dpid=$bgpid
	dport=$(port_from "$tmp/d.err")
}
printf 'banner from the destination\n' >"$tmp/banner"

# through NAME OPTIONS...: evcat through the proxy to a fresh destination.
through() {
	name=$1
	shift
	start_dest
	# Not the last run's banner: stdin would end before the tunnel is
	# open, and microsocks, which passes no half-close on, would drop the
	# destination's banner when it sees our end of input.
	rm -f "$tmp/got"
	(echo "hello through $name" &&
	    poll_until 300 grep -q banner "$tmp/got" 2>/dev/null) |
	    timeout -k 5 $LIMIT $EVCAT "$@" "${dest:-127.0.0.1}" "$dport" \
	    >"$tmp/got" 2>"$tmp/e.err"
	st=$?
	finish $dpid 10
	if [ $st -eq 0 ] && cmp -s "$tmp/banner" "$tmp/got" &&
	    [ "$(cat "$tmp/d.out")" = "hello through $name" ]; then
		ok "$name: both ways through the proxy, banner intact"
	else
		fail "$name (status $st)"
		show "$tmp/got" "$tmp/d.out" "$tmp/e.err"
	fi
}

# refused NAME MESSAGE OPTIONS...: evcat fails with MESSAGE, status 1.
refused() {
	name=$1 msg=$2
	shift 2
	timeout -k 5 $LIMIT $EVCAT "$@" </dev/null >"$tmp/got" 2>"$tmp/e.err"
	st=$?
	if [ $st -eq 1 ] && grep -q "^evcat: $msg" "$tmp/e.err" &&
	    [ ! -s "$tmp/got" ]; then
		ok "$name: status 1, '$(cat "$tmp/e.err")'"
	else
		fail "$name (status $st)"
		show "$tmp/e.err"
	fi
}

hold_port # a port nobody listens on, for the refused destination
closed=$held_port

# SOCKS5 without authentication.  microsocks logs nothing when ready: a
# connect to its port tells.
sport=$(free_port)
bg microsocks -i 127.0.0.1 -p "$sport" >"$tmp/ms.log" 2>&1
poll_until 50 nc -z 127.0.0.1 "$sport"
through "socks5" --proxy 127.0.0.1:"$sport" --proxy-type socks5
# A name goes to the proxy as a name (address type 3): microsocks says
# whom it connected to.  Only where localhost is 127.0.0.1 alone.
if [ "$(getent ahosts localhost | awk '{print $1}' | sort -u)" = 127.0.0.1 ]
then
	dest=localhost through "socks5 by name" --proxy 127.0.0.1:"$sport" \
	    --proxy-type socks5
	if grep -q "connected to localhost:" "$tmp/ms.log"; then
		ok "socks5: the name went to the proxy"
	else
		fail "socks5: name not passed as a name"
		show "$tmp/ms.log"
	fi
fi
refused "socks5, destination refused" \
    "SOCKS5: connection refused by destination" \
    --proxy 127.0.0.1:"$sport" --proxy-type socks5 127.0.0.1 "$closed"

# SOCKS5 with user and password (RFC 1929).
aport=$(free_port)
bg microsocks -i 127.0.0.1 -p "$aport" -u user -P secret >"$tmp/ma.log" 2>&1
poll_until 50 nc -z 127.0.0.1 "$aport"
through "socks5 auth" --proxy 127.0.0.1:"$aport" --proxy-type socks5 \
    --proxy-auth user:secret
start_dest
refused "socks5 wrong password" "SOCKS5: authentication failed" \
    --proxy 127.0.0.1:"$aport" --proxy-type socks5 --proxy-auth user:wrong \
    127.0.0.1 "$dport"
refused "socks5 no password" \
    "SOCKS5: the proxy accepts none of our authentication methods" \
    --proxy 127.0.0.1:"$aport" --proxy-type socks5 127.0.0.1 "$dport"
kill $dpid 2>/dev/null

# HTTP CONNECT: tinyproxy, the default --proxy-type.
# tinyproxy_conf PORT [USER PASS]
tinyproxy_conf() {
	{
		echo "Port $1"
		echo "Listen 127.0.0.1"
		echo "Timeout 30"
		echo "Allow 127.0.0.1"
		echo "MaxClients 20"
		echo "LogLevel Info"
		[ $# -lt 3 ] || echo "BasicAuth $2 $3"
	} >"$tmp/tp$1.conf"
	bg tinyproxy -d -c "$tmp/tp$1.conf" >"$tmp/tp$1.log" 2>&1
	wait_for "$tmp/tp$1.log" "listening on fd"
}
hport=$(free_port)
tinyproxy_conf "$hport"
through "http" --proxy 127.0.0.1:"$hport"
through "http (--proxy-type http)" --proxy 127.0.0.1:"$hport" \
    --proxy-type http
refused "http, destination refused" "proxy refused: [45][0-9][0-9] " \
    --proxy 127.0.0.1:"$hport" 127.0.0.1 "$closed"

bport=$(free_port)
tinyproxy_conf "$bport" user secret
through "http auth" --proxy 127.0.0.1:"$bport" --proxy-auth user:secret
start_dest
refused "http wrong password" "proxy refused: 40[17] " \
    --proxy 127.0.0.1:"$bport" --proxy-auth user:wrong 127.0.0.1 "$dport"
kill $dpid 2>/dev/null

# Usage errors.
usage_errors "--proxy nohostport h 1" "--proxy-type socks4 --proxy a:1 h 1" \
    "--proxy-auth u:p h 1" "--proxy a:1 --proxy-auth nocolon h 1" \
    "--proxy a:1 -l 0"

done_tests
