#!/bin/sh
# evcat -u: datagrams both ways with socat and OpenBSD nc, on every
# backend.  A listening evcat answers the first sender; -w ends it once
# traffic stops.  Datagrams up to 65,507 bytes go whole both ways, and
# -q 0 quits once stdin ends.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evcat-lib.sh"

out=$tmp/out
err=$tmp/err
# The largest IPv4 UDP payload.
head -c 65507 /dev/urandom >"$tmp/dgram"

for m in $METHODS; do
	E="$EVCAT --method $m"

	# socat -> evcat -u -l.
	if have socat; then
		rm -f "$err"
		bg $E -u -d -w 1 -l 127.0.0.1 0 >"$out" 2>"$err"
		lpid=$bgpid
		port=$(port_from "$err")
		printf 'ping-from-socat\n' |
		    timeout -k 5 5 socat -u - "UDP:127.0.0.1:$port"
		finish $lpid 10
		if [ "$(cat "$out")" = ping-from-socat ] && [ $fstatus -eq 0 ]
		then
			ok "$m: socat -> evcat -u -l, ended by -w"
		else
			fail "$m: socat -> evcat -u -l (status $fstatus)"
			show "$out" "$err"
		fi
	fi

	# evcat -u -> nc -lu; -q 1 ends the sender after its input.
	if have nc; then
		rm -f "$tmp/nc.err"
		bg nc -luvn 127.0.0.1 0 >"$out" 2>"$tmp/nc.err"
		ncpid=$bgpid
		port=$(port_from "$tmp/nc.err")
		printf 'ping-from-evcat\n' |
		    timeout -k 5 5 $E -u -q 1 127.0.0.1 "$port" 2>"$err"
		status=$?
		wait_for "$out" ping-from-evcat
		kill $ncpid 2>/dev/null
		if [ $status -eq 0 ] && [ "$(cat "$out")" = ping-from-evcat ]
		then
			ok "$m: evcat -u -> nc -lu"
		else
			fail "$m: evcat -u -> nc -lu (status $status)"
			show "$out" "$err" "$tmp/nc.err"
		fi
	fi

	# evcat <-> evcat: a question, and an answer sent back to its sender.
	rm -f "$err"
	# The listener reads its stdin only once it knows the peer.
	echo pong |
	    timeout -k 5 10 $E -u -w 1 -l 127.0.0.1 0 >"$out" 2>"$err" &
	lpid=$!
	pids="$pids $lpid"
	port=$(port_from "$err")
	echo ping |
	    timeout -k 5 10 $E -u -w 1 127.0.0.1 "$port" >"$tmp/got" 2>"$tmp/err2"
	status=$?
	finish $lpid 10
	if [ $status -eq 0 ] && [ "$(cat "$out")" = ping ] &&
	    [ "$(cat "$tmp/got")" = pong ]; then
		ok "$m: evcat -u <-> evcat -u -l both ways"
	else
		fail "$m: evcat -u <-> evcat -u -l (status $status)"
		show "$out" "$tmp/got" "$err" "$tmp/err2"
	fi

	if ! have socat; then
		continue
	fi

	# A 65,507-byte datagram from socat arrives whole.
	rm -f "$err"
	bg $E -u -d -l 127.0.0.1 0 >"$out" 2>"$err"
	lpid=$bgpid
	port=$(port_from "$err")
	timeout -k 5 5 socat -u -b 65536 OPEN:"$tmp/dgram" "UDP:127.0.0.1:$port"
	wait_size "$out" 65507
	kill $lpid 2>/dev/null
	if cmp -s "$out" "$tmp/dgram"; then
		ok "$m: socat -> evcat -u -l: 65,507 bytes in one datagram"
	else
		fail "$m: big datagram to evcat ($(wc -c <"$out") bytes)"
		show "$err"
	fi

	# evcat sends 65,507 bytes of stdin as one datagram, and -q 0
	# ends it once stdin is done.  socat -x logs each datagram's
	# length.  The port is free by the kernel's word; if someone takes
	# it before socat does, try another.
	for try in 1 2 3; do
		rm -f "$tmp/so.err" "$tmp/sgot"
		sp=$(free_port udp)
		bg socat -d -d -x -u -b 65536 "UDP-RECV:$sp,bind=127.0.0.1" \
		    "OPEN:$tmp/sgot,creat,trunc" 2>"$tmp/so.err"
		sopid=$bgpid
		wait_for "$tmp/so.err" "starting data transfer loop" && break
		kill $sopid 2>/dev/null
	done
	t0=$(now_ms)
	timeout -k 5 5 $E -u -q 0 127.0.0.1 "$sp" <"$tmp/dgram" 2>"$err"
	status=$?
	dt=$(($(now_ms) - t0))
	wait_size "$tmp/sgot" 65507
	kill $sopid 2>/dev/null
	if [ $status -eq 0 ] && [ $dt -lt 3000 ] &&
	    cmp -s "$tmp/sgot" "$tmp/dgram" &&
	    [ "$(grep -c 'length=' "$tmp/so.err")" -eq 1 ] &&
	    grep -q 'length=65507 ' "$tmp/so.err"; then
		ok "$m: evcat -u -q 0 -> socat: one 65,507-byte datagram," \
		    "quit after EOF in $dt ms"
	else
		fail "$m: evcat -u -q 0 -> socat (status $status, $dt ms)"
		grep 'length=' "$tmp/so.err"
		show "$err"
	fi
done

# Nobody listening: the ICMP error ends evcat with status 1.
rm -f "$err"
bg "$EVCAT" -u -d -w 1 -l 127.0.0.1 0 >/dev/null 2>"$err"
lpid=$bgpid
port=$(port_from "$err")
kill $lpid
wait $lpid 2>/dev/null
(echo one && sleep 0.3 && echo two && sleep 0.3) |
    timeout -k 5 5 "$EVCAT" -u 127.0.0.1 "$port" >/dev/null 2>"$tmp/err2"
status=$?
if [ $status -eq 1 ] && grep -q "refused" "$tmp/err2"; then
	ok "-u to a closed port: connection refused, status 1"
else
	fail "-u to a closed port (status $status)"
	show "$tmp/err2"
fi

done_tests
