#!/bin/sh
# evcat -u: datagrams both ways with socat and OpenBSD nc, on every
# backend.  A listening evcat answers the first sender; -w ends it once
# traffic stops.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evcat-lib.sh"

out=$tmp/out
err=$tmp/err

for m in $METHODS; do
	E="$EVCAT --method $m"

	# socat -> evcat -u -l.
	if have socat; then
		rm -f "$err"
		bg $E -u -d -w 1 -l 127.0.0.1 0 >"$out" 2>"$err"
		lpid=$bgpid
		port=$(port_from "$err")
		printf 'ping-from-socat\n' |
		    timeout 5 socat -u - "UDP:127.0.0.1:$port"
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
		    timeout 5 $E -u -q 1 127.0.0.1 "$port" 2>"$err"
		status=$?
		sleep 0.2
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
	(sleep 0.5 && echo pong) |
	    timeout 10 $E -u -w 1 -l 127.0.0.1 0 >"$out" 2>"$err" &
	lpid=$!
	pids="$pids $lpid"
	port=$(port_from "$err")
	(echo ping && sleep 1) |
	    timeout 10 $E -u -w 1 127.0.0.1 "$port" >"$tmp/got" 2>"$tmp/err2"
	status=$?
	finish $lpid 10
	if [ $status -eq 0 ] && [ "$(cat "$out")" = ping ] &&
	    [ "$(cat "$tmp/got")" = pong ]; then
		ok "$m: evcat -u <-> evcat -u -l both ways"
	else
		fail "$m: evcat -u <-> evcat -u -l (status $status)"
		show "$out" "$tmp/got" "$err" "$tmp/err2"
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
    timeout 5 "$EVCAT" -u 127.0.0.1 "$port" >/dev/null 2>"$tmp/err2"
status=$?
if [ $status -eq 1 ] && grep -q "refused" "$tmp/err2"; then
	ok "-u to a closed port: connection refused, status 1"
else
	fail "-u to a closed port (status $status)"
	show "$tmp/err2"
fi

done_tests
