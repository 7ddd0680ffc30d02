#!/bin/sh
# evcat: half-close in both directions, with real peers, on every backend.
#
#  1. evcat's stdin ends first: evcat shuts down its sending half (rule 1)
#     and still prints what the peer sends after seeing that EOF.
#  2. The peer ends first: evcat writes what it got, then goes on sending
#     its own stdin until that ends (rules 2 and 3).
#  3. --no-shutdown keeps the sending half open (the peer never sees EOF);
#     -q ends evcat instead.
#  4. -d: nothing is read and nothing shut down; the peer's close ends it.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evcat-lib.sh"

if ! have socat; then
	echo "SKIP: socat not installed"
	exit 77
fi

out=$tmp/out
err=$tmp/err

for m in $METHODS; do
	E="$EVCAT --method $m"

	# 1. A server that answers only after the request's EOF.
	rm -f "$tmp/so.err" "$tmp/req"
	bg socat -d -d TCP-LISTEN:0,bind=127.0.0.1 \
	    SYSTEM:"cat >$tmp/req; sleep 0.2; echo reply-after-eof" \
	    2>"$tmp/so.err"
	sopid=$bgpid
	port=$(port_from "$tmp/so.err")
	printf 'request\n' | timeout -k 5 10 $E 127.0.0.1 "$port" >"$out" 2>"$err"
	status=$?
	finish $sopid 5
	if [ $status -eq 0 ] && [ "$(cat "$out")" = reply-after-eof ] &&
	    [ "$(cat "$tmp/req")" = request ]; then
		ok "$m: stdin EOF first: shutdown sent, reply read after it"
	else
		fail "$m: stdin EOF first (status $status)"
		show "$out" "$err" "$tmp/req"
	fi

	# 2. The peer (nc -N) sends and shuts down at once; evcat's stdin
	# has more to say half a second later.
	if have nc; then
		rm -f "$err"
		(sleep 0.5 && echo late-data) |
		    timeout -k 5 10 $E -l 127.0.0.1 0 >"$out" 2>"$err" &
		lpid=$!
		pids="$pids $lpid"
		port=$(port_from "$err")
		printf 'early-data\n' |
		    timeout -k 5 10 nc -N 127.0.0.1 "$port" >"$tmp/got"
		ncstatus=$?
		finish $lpid 5
		status=$fstatus
		if [ $status -eq 0 ] && [ $ncstatus -eq 0 ] &&
		    [ "$(cat "$out")" = early-data ] &&
		    [ "$(cat "$tmp/got")" = late-data ]; then
			ok "$m: peer EOF first: evcat kept sending"
		else
			fail "$m: peer EOF first (status $status, nc $ncstatus)"
			show "$out" "$tmp/got" "$err"
		fi
	fi

	# 3. --no-shutdown: the server never sees EOF, so never answers;
	# -q 1 ends evcat a second after its input ended.
	rm -f "$tmp/so.err" "$tmp/req"
	bg socat -d -d TCP-LISTEN:0,bind=127.0.0.1 \
	    SYSTEM:"cat >$tmp/req; echo reply-after-eof" 2>"$tmp/so.err"
	sopid=$bgpid
	port=$(port_from "$tmp/so.err")
	t0=$(now_ms)
	printf 'request\n' |
	    timeout -k 5 10 $E --no-shutdown -q 1 127.0.0.1 "$port" >"$out" \
	    2>"$err"
	status=$?
	dt=$(($(now_ms) - t0))
	finish $sopid 5
	if [ $status -eq 0 ] && [ ! -s "$out" ] && [ $dt -ge 900 ] &&
	    [ $dt -lt 5000 ]; then
		ok "$m: --no-shutdown -q 1: no EOF sent, quit after ${dt} ms"
	else
		fail "$m: --no-shutdown -q 1 (status $status, ${dt} ms)"
		show "$out" "$err"
	fi

	# 4. -d: stdin (a file with data) is not read and no EOF is sent;
	# the server, which reads for half a second, gets nothing, and its
	# close ends the transfer.
	rm -f "$tmp/so.err" "$tmp/req"
	printf 'not-to-be-sent\n' >"$tmp/in"
	bg socat -d -d TCP-LISTEN:0,bind=127.0.0.1 \
	    SYSTEM:"echo banner; timeout -k 5 0.5 cat >$tmp/req" 2>"$tmp/so.err"
	sopid=$bgpid
	port=$(port_from "$tmp/so.err")
	timeout -k 5 10 $E -d 127.0.0.1 "$port" <"$tmp/in" >"$out" 2>"$err"
	status=$?
	finish $sopid 5
	if [ $status -eq 0 ] && [ "$(cat "$out")" = banner ] &&
	    [ -f "$tmp/req" ] && [ ! -s "$tmp/req" ]; then
		ok "$m: -d: nothing sent, ended by the peer's close"
	else
		fail "$m: -d (status $status)"
		show "$out" "$err" "$tmp/req"
	fi
done

# -N is accepted for nc scripts (it is the default).
rm -f "$tmp/so.err" "$tmp/req"
bg socat -d -d TCP-LISTEN:0,bind=127.0.0.1 \
    SYSTEM:"cat >$tmp/req; echo done" 2>"$tmp/so.err"
sopid=$bgpid
port=$(port_from "$tmp/so.err")
printf 'x\n' | timeout -k 5 10 "$EVCAT" -N 127.0.0.1 "$port" >"$out" 2>"$err"
status=$?
finish $sopid 5
if [ $status -eq 0 ] && [ "$(cat "$out")" = done ]; then
	ok "-N: same as the default"
else
	fail "-N (status $status)"
	show "$out" "$err"
fi

done_tests
