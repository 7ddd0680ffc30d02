#!/bin/sh
# evcat options not covered elsewhere, on every backend: -x (hex dump),
# --rate (bufferevent rate limit), -k (clients in turn), -s/-p (source
# address and port), -6 (IPv6 loopback), and that a listener without -k
# refuses a second client.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evcat-lib.sh"

out=$tmp/out
err=$tmp/err

# listen ARGS...: an evcat listener on 127.0.0.1 port 0 (stdin /dev/null,
# stdout $out); sets $lpid and $port.
listen() {
	rm -f "$err"
	bg "$EVCAT" "$@" -l 127.0.0.1 0 </dev/null >"$out" 2>"$err"
	lpid=$bgpid
	port=$(port_from "$err")
}

for m in $METHODS; do
	E="$EVCAT --method $m"

	# -x: both directions dumped on stderr, data passed on unchanged.
	rm -f "$tmp/l.err"
	printf 'pong' >"$tmp/pong"
	bg $E -l 127.0.0.1 0 <"$tmp/pong" >"$out" 2>"$tmp/l.err"
	lpid=$bgpid
	port=$(port_from "$tmp/l.err")
	printf 'hello' | timeout -k 5 10 $E -x 127.0.0.1 "$port" >"$tmp/got" \
	    2>"$err"
	finish $lpid 5
	if [ "$(cat "$out")" = hello ] && [ "$(cat "$tmp/got")" = pong ] &&
	    grep -q '^> 00000000  68 65 6c 6c 6f .*|hello|$' "$err" &&
	    grep -q '^< 00000000  70 6f 6e 67 .*|pong|$' "$err"; then
		ok "$m: -x dumps both directions"
	else
		fail "$m: -x"
		show "$out" "$tmp/got" "$err"
	fi

	# --rate 100K: 300 KiB take about three seconds (the first
	# tick's worth goes at once), and arrive intact.  A busy machine
	# can only make it slower, so the upper bound is just a guard.
	head -c 307200 /dev/urandom >"$tmp/data"
	listen --method $m
	t0=$(now_ms)
	timeout -k 5 20 $E --rate 100K 127.0.0.1 "$port" <"$tmp/data" 2>"$tmp/err2"
	finish $lpid 20
	dt=$(($(now_ms) - t0))
	if [ "$(sum "$out")" = "$(sum "$tmp/data")" ] && [ $dt -ge 2200 ] &&
	    [ $dt -lt 19000 ]; then
		ok "$m: --rate 100K: 300 KiB in $dt ms"
	else
		fail "$m: --rate 100K: 300 KiB in $dt ms"
		show "$tmp/err2"
	fi

	# -k: two clients in turn; stdout keeps both.
	listen --method $m -k
	echo first | timeout -k 5 5 $E 127.0.0.1 "$port" 2>"$tmp/err2"
	echo second | timeout -k 5 5 $E 127.0.0.1 "$port" 2>>"$tmp/err2"
	wait_for "$out" '^second$'
	kill $lpid
	wait $lpid 2>/dev/null
	if [ "$(cat "$out")" = "$(printf 'first\nsecond')" ]; then
		ok "$m: -k serves clients in turn"
	else
		fail "$m: -k"
		show "$out" "$err" "$tmp/err2"
	fi

	# Without -k the listening socket closes after the first client
	# (which keeps its connection while its stdin, a sleep, is open).
	listen --method $m -v
	sleep 5 | timeout -k 5 10 $E 127.0.0.1 "$port" >/dev/null 2>&1 &
	c1=$!
	pids="$pids $c1"
	wait_for "$err" "connection from"
	timeout -k 5 5 $E -d 127.0.0.1 "$port" >/dev/null 2>"$tmp/err2"
	status=$?
	# The listener ends with its only connection: let it.  (A SIGTERM
	# that meets an ASan build's exit-time leak check can leave the
	# process stuck in LeakSanitizer's stop-the-world for good.)
	kill $c1 2>/dev/null
	finish $lpid 5
	if [ $status -eq 1 ] && grep -q refused "$tmp/err2"; then
		ok "$m: second client refused without -k"
	else
		fail "$m: second client without -k (status $status)"
		show "$tmp/err2"
	fi

	# -s and -p: the listener sees the source address and port.  The
	# port is free by the kernel's word; if another program takes it
	# before we do, try another.
	listen --method $m -v
	for try in 1 2 3; do
		sp=$(free_port)
		echo x | timeout -k 5 5 $E -s 127.0.0.1 -p "$sp" 127.0.0.1 "$port" \
		    2>"$tmp/err2"
		grep -q "in use" "$tmp/err2" || break
	done
	finish $lpid 5
	if grep -q "connection from 127.0.0.1:$sp$" "$err"; then
		ok "$m: -s 127.0.0.1 -p $sp"
	else
		fail "$m: -s -p"
		show "$err" "$tmp/err2"
	fi

	# -6 on ::1, when the machine has it.
	rm -f "$err"
	bg $E -6 -l ::1 0 </dev/null >"$out" 2>"$err"
	lpid=$bgpid
	port=$(port_from "$err")
	if [ -n "$port" ]; then
		echo six | timeout -k 5 5 $E -6 ::1 "$port" 2>"$tmp/err2"
		finish $lpid 5
		if [ "$(cat "$out")" = six ] && grep -q '\[::1\]' "$err"; then
			ok "$m: -6 on [::1]"
		else
			fail "$m: -6"
			show "$err" "$tmp/err2"
		fi
	else
		kill $lpid 2>/dev/null
		echo "skip: no IPv6 loopback"
	fi
done

done_tests
