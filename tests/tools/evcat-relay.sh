#!/bin/sh
# evcat --relay, port forwarding between real peers: EVCAT_TEST_MB (50)
# MB each way at once between socat and an nc target, compared by
# checksum, on the splice path and with --no-splice; a request that the
# target answers only after the client's half-close; -k with two clients
# at once on a socat echo target; the [::1]:PORT form; an unreachable
# target.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evcat-lib.sh"

need nc socat
err=$tmp/err
mb=${EVCAT_TEST_MB:-50}
head -c $((mb * 1024 * 1024)) /dev/urandom >"$tmp/a"
head -c $((mb * 1024 * 1024 + 7)) /dev/urandom >"$tmp/b"

# count_ge FILE PATTERN N: FILE has N or more lines matching PATTERN.
count_ge() {
	[ "$(grep -c "$2" "$1")" -ge "$3" ]
}

# start_relay OPTIONS... : evcat --relay in the background, $rport its port.
start_relay() {
	rm -f "$err"
	bg $EVCAT -v "$@" </dev/null >"$tmp/relay.out" 2>"$err"
	relay=$bgpid
	rport=$(port_from "$err")
}

for mode in splice no-splice; do
	opt=
	[ $mode = splice ] || opt=--no-splice
	# socat as the target: after one direction's EOF it keeps the
	# other going (-t); nc may quit at the network's EOF.
	rm -f "$tmp/so.err"
	tport=$(free_port)
	bg socat -d -d -t 60 \
	    TCP-LISTEN:"$tport",bind=127.0.0.1,reuseaddr \
	    SYSTEM:"cat $tmp/a & cat >$tmp/got_b; wait" 2>"$tmp/so.err"
	ncpid=$bgpid
	wait_for "$tmp/so.err" "listening on"
	start_relay -v $opt --relay 127.0.0.1:0 127.0.0.1:"$tport"
	timeout -k 5 60 socat -t 60 TCP:127.0.0.1:"$rport" - \
	    <"$tmp/b" >"$tmp/got_a" 2>"$tmp/socat.err"
	st=$?
	finish $ncpid 30
	finish $relay 30
	want="splice through a pipe both ways"
	[ $mode = splice ] || want="copying both ways"
	if [ $st -eq 0 ] && [ $fstatus -eq 0 ] && grep -q "$want" "$err" &&
	    [ "$(sum "$tmp/a")" = "$(sum "$tmp/got_a")" ] &&
	    [ "$(sum "$tmp/b")" = "$(sum "$tmp/got_b")" ]; then
		ok "$mode: $mb MB each way, both intact; one client, exit 0"
	else
		fail "$mode: bulk both ways (socat $st, relay $fstatus)"
		ls -l "$tmp/got_a" "$tmp/got_b"
		show "$err" "$tmp/socat.err"
	fi
done

# Half-close through the relay: the target answers once the request ended.
port=$(free_port)
rm -f "$tmp/so.err"
bg socat -d -d TCP-LISTEN:"$port",bind=127.0.0.1,reuseaddr \
    SYSTEM:"cat >$tmp/req; echo response-to-\$(cat $tmp/req)" \
    2>"$tmp/so.err"
sopid=$bgpid
wait_for "$tmp/so.err" "listening on"
start_relay --relay 127.0.0.1:0 127.0.0.1:"$port"
printf request | timeout -k 5 10 nc -N 127.0.0.1 "$rport" >"$tmp/resp" \
    2>&1
finish $relay 10
if [ "$(cat "$tmp/resp")" = "response-to-request" ] && [ $fstatus -eq 0 ] &&
    grep -q "closed; 7 bytes to the target, 20 back" "$err"; then
	ok "half-close passed on both ways"
else
	fail "half-close through the relay (relay $fstatus)"
	show "$tmp/resp" "$err"
fi
kill $sopid 2>/dev/null

# -k: two clients at once through a socat echo target.
port=$(free_port)
bg socat TCP-LISTEN:"$port",bind=127.0.0.1,reuseaddr,fork EXEC:cat \
    2>"$tmp/so.err"
sopid=$bgpid
poll_until 50 nc -z 127.0.0.1 "$port"
start_relay -k --relay 127.0.0.1:0 127.0.0.1 "$port"
rm -f "$tmp/go"
cpids=
for c in 1 2; do
	head -c 300000 /dev/urandom >"$tmp/in$c"
	(wait_for "$tmp/go" . && cat "$tmp/in$c") |
	    timeout -k 5 $LIMIT socat -t 10 - TCP:127.0.0.1:"$rport" \
	    >"$tmp/out$c" 2>/dev/null &
	cpids="$cpids $!"
	pids="$pids $!"
done
# Both are connected through before either sends a byte.
poll_until 50 count_ge "$err" "connected to" 2 || fail "-k: not both in"
echo go >"$tmp/go"
good=1
for p in $cpids; do
	finish $p $LIMIT || good=0
done
cmp -s "$tmp/in1" "$tmp/out1" && cmp -s "$tmp/in2" "$tmp/out2" || good=0
if [ $good -eq 1 ] && [ "$(grep -c "connection from" "$err")" -eq 2 ] &&
    kill -0 $relay 2>/dev/null; then
	ok "-k: two clients, each its own echo; relay still listening"
else
	fail "-k relay"
	show "$err"
fi
kill $relay $sopid 2>/dev/null

# IPv6: [::1]:0 to [::1]:PORT.
if grep -q "^0*1 " /proc/net/if_inet6 2>/dev/null; then
	rm -f "$tmp/nc.err"
	echo from-target >"$tmp/t6"
	bg nc -N -v -l ::1 0 <"$tmp/t6" >"$tmp/got6" 2>"$tmp/nc.err"
	ncpid=$bgpid
	wait_for "$tmp/nc.err" "^Listening on"
	tport=$(sed -n 's/^Listening on .* \([0-9]*\)$/\1/p' "$tmp/nc.err")
	start_relay --relay "[::1]:0" "[::1]:$tport"
	echo from-client | timeout -k 5 10 nc -N ::1 "$rport" >"$tmp/back6"
	finish $ncpid 10
	if [ "$(cat "$tmp/back6")" = from-target ] &&
	    [ "$(cat "$tmp/got6")" = from-client ]; then
		ok "IPv6 [::1]:PORT forms"
	else
		fail "IPv6 relay"
		show "$err" "$tmp/nc.err"
	fi
	kill $relay 2>/dev/null
fi

# An unreachable target: the client is closed, evcat says why, status 1.
hold_port
start_relay --relay 127.0.0.1:0 127.0.0.1:"$held_port"
echo x | timeout -k 5 10 nc 127.0.0.1 "$rport" >"$tmp/x" 2>&1
finish $relay 10
if [ $fstatus -eq 1 ] && grep -q "Connection refused" "$err" &&
    [ ! -s "$tmp/x" ]; then
	ok "unreachable target: status 1, reason given"
else
	fail "unreachable target (status $fstatus)"
	show "$err"
fi

# --deny applies to the relay's clients: 127.0.0.2 is closed at once and
# never reaches the target; 127.0.0.1 gets through.
rm -f "$tmp/nc.err"
bg nc -N -v -l 127.0.0.1 0 </dev/null >"$tmp/got_d" 2>"$tmp/nc.err"
ncpid=$bgpid
tport=$(port_from "$tmp/nc.err")
start_relay --deny 127.0.0.2 --relay 127.0.0.1:0 127.0.0.1:"$tport"
echo denied | timeout -k 5 10 nc -N -s 127.0.0.2 127.0.0.1 "$rport" \
    >/dev/null 2>&1
wait_for "$err" "127.0.0.2.*refused by --allow/--deny"
echo allowed | timeout -k 5 10 nc -N 127.0.0.1 "$rport" >/dev/null 2>&1
finish $ncpid 10
finish $relay 10
if [ "$(cat "$tmp/got_d")" = allowed ] && [ $fstatus -eq 0 ] &&
    grep -q "127.0.0.2.*refused" "$err"; then
	ok "--deny: refused client closed, the next one relayed"
else
	fail "--deny with --relay (relay $fstatus)"
	show "$tmp/got_d" "$err"
fi

# Usage errors.
usage_errors "--relay 127.0.0.1 127.0.0.1:80" "--relay :0" \
    "--relay :0 host" "--relay :0 -l 80" "--relay 127.0.0.1:0 [::1:80" \
    "--relay :0 -C h:1" "--relay :0 -o x h:1" "--relay :0 --send-only h:1" \
    "-l -k -e /bin/cat -o x 0" "-l -c cat -C 0" "-e cat --recv-only h 1"

done_tests
