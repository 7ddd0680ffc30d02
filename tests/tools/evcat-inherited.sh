#!/bin/sh
# What evcat inherits from the shell, on every backend: stdout opened for
# appending (>>), also when O_APPEND is set after the zero-copy path was
# chosen; stdin or stdout closed (<&-, >&-); SIGINT and SIGHUP ignored
# (nohup, background jobs), which must stay ignored as in nc.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evcat-lib.sh"

out=$tmp/out
err=$tmp/err
head -c 1048576 /dev/urandom >"$tmp/data"

for m in $METHODS; do
	E="$EVCAT --method $m"

	# >>: the data lands after what the file held (splice(2) refuses
	# an O_APPEND target, so evcat must copy).
	printf 'old\n' >"$tmp/log"
	rm -f "$err"
	bg $E -l 127.0.0.1 0 </dev/null >>"$tmp/log" 2>"$err"
	lpid=$bgpid
	port=$(port_from "$err")
	timeout -k 5 10 $E 127.0.0.1 "$port" <"$tmp/data" 2>"$tmp/err2"
	finish $lpid 10
	{ printf 'old\n' && cat "$tmp/data"; } >"$tmp/want"
	if [ $fstatus -eq 0 ] && cmp -s "$tmp/log" "$tmp/want"; then
		ok "$m: -l >> log: 1 MiB appended"
	else
		fail "$m: -l >> log (status $fstatus)"
		show "$err" "$tmp/err2"
	fi

	# O_APPEND set on the shared file after evcat chose to splice:
	# the kernel says EINVAL mid-transfer, and evcat goes on by
	# copying, losing no byte it had already taken from the socket.
	if have perl; then
		rm -f "$err" "$tmp/go"
		exec 4>"$tmp/log"
		bg $E -vv -l 127.0.0.1 0 </dev/null >&4 2>"$err"
		lpid=$bgpid
		port=$(port_from "$err")
		(wait_for "$tmp/go" . ; cat "$tmp/data") |
		    timeout -k 5 10 $E 127.0.0.1 "$port" 2>"$tmp/err2" &
		cpid=$!
		pids="$pids $cpid"
		wait_for "$err" 'stdout (file): splice' ||
			fail "$m: no splice to the file"
		perl -MFcntl -e 'my $f = fcntl(STDOUT, F_GETFL, 0) or die;
		    fcntl(STDOUT, F_SETFL, $f | O_APPEND) or die' >&4
		echo go >"$tmp/go"
		finish $cpid 10
		finish $lpid 10
		exec 4>&-
		if [ $fstatus -eq 0 ] && cmp -s "$tmp/log" "$tmp/data" &&
		    grep -q 'copying instead' "$err"; then
			ok "$m: O_APPEND mid-transfer: copied instead, intact"
		else
			fail "$m: O_APPEND mid-transfer (status $fstatus)"
			show "$err" "$tmp/err2"
		fi
	fi

	# <&-: no stdin; the reply still arrives, status 0, no message.
	printf 'reply\n' >"$tmp/reply"
	rm -f "$err"
	bg $E -l 127.0.0.1 0 <"$tmp/reply" >"$out" 2>"$err"
	lpid=$bgpid
	port=$(port_from "$err")
	timeout -k 5 10 $E 127.0.0.1 "$port" <&- >"$tmp/got" 2>"$tmp/err2"
	status=$?
	finish $lpid 10
	if [ $status -eq 0 ] && [ "$(cat "$tmp/got")" = reply ] &&
	    [ ! -s "$tmp/err2" ] && [ ! -s "$out" ]; then
		ok "$m: stdin closed: reply received, status 0"
	else
		fail "$m: stdin closed (status $status)"
		show "$tmp/got" "$tmp/err2" "$out"
	fi

	# >&-: the request goes out, nothing comes back to the peer.
	rm -f "$err"
	bg $E -l 127.0.0.1 0 <"$tmp/reply" >"$out" 2>"$err"
	lpid=$bgpid
	port=$(port_from "$err")
	echo request | timeout -k 5 10 $E 127.0.0.1 "$port" >&- 2>"$tmp/err2"
	status=$?
	finish $lpid 10
	if [ $status -eq 0 ] && [ "$(cat "$out")" = request ] &&
	    [ ! -s "$tmp/err2" ]; then
		ok "$m: stdout closed: request sent, status 0"
	else
		fail "$m: stdout closed (status $status)"
		show "$out" "$tmp/err2"
	fi

	# SIGINT and SIGHUP ignored when evcat starts: they stay ignored.
	# The shell execs evcat, so $tmp/pid is evcat's PID.
	rm -f "$err" "$tmp/pid"
	bg sh -c 'trap "" INT HUP; echo $$ >"$1"; shift; exec "$@"' sh \
	    "$tmp/pid" $E -l 127.0.0.1 0 </dev/null >"$out" 2>"$err"
	lpid=$bgpid
	port=$(port_from "$err")
	kill -INT "$(cat "$tmp/pid")"
	kill -HUP "$(cat "$tmp/pid")"
	# A client after the signals: evcat must still be there to relay.
	echo after-signals | timeout -k 5 5 $E 127.0.0.1 "$port" 2>"$tmp/err2"
	finish $lpid 10
	if [ $fstatus -eq 0 ] && [ "$(cat "$out")" = after-signals ]; then
		ok "$m: ignored SIGINT and SIGHUP stay ignored"
	else
		fail "$m: ignored signals (status $fstatus)"
		show "$out" "$err" "$tmp/err2"
	fi
done

# Not ignored, SIGHUP still ends evcat (status 128 + 1).
rm -f "$err"
bg "$EVCAT" -l 127.0.0.1 0 </dev/null >/dev/null 2>"$err"
lpid=$bgpid
port_from "$err" >/dev/null
kill -HUP $lpid
finish $lpid 5
if [ $fstatus -eq 129 ]; then
	ok "SIGHUP not ignored: evcat dies of it"
else
	fail "SIGHUP not ignored: status $fstatus"
fi

done_tests
