#!/bin/sh
# evcat -l -k serves clients at once, on every backend: three nc clients
# connected together each get what is typed on stdin, each one's data
# reaches stdout (and no other client), stdin's end shuts every client's
# receiving side down (nc sees EOF and exits), and evcat goes on
# listening.  -m 2 closes a third client at once and says so with -v.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evcat-lib.sh"

need nc
err=$tmp/err

for m in $METHODS; do
	E="$EVCAT --method $m"

	rm -f "$err" "$tmp/fifo" "$tmp"/c?.out
	mkfifo "$tmp/fifo"
	# stdin stays open until the test closes fd 4, its only writer.
	exec 4<>"$tmp/fifo"
	bg $E -v -l -k 127.0.0.1 0 <"$tmp/fifo" >"$tmp/hub" 2>"$err" 4>&-
	hub=$bgpid
	port=$(port_from "$err")

	# Each client says a line, then keeps its sending half open until
	# it heard the broadcast (nc -N then shuts it down).
	cpids=
	for c in 1 2 3; do
		(echo "from-$c" && wait_for "$tmp/c$c.out" "^broadcast$") |
		    timeout -k 5 $LIMIT nc -N 127.0.0.1 "$port" \
		    >"$tmp/c$c.out" 2>"$tmp/c$c.err" 4>&- &
		cpids="$cpids $!"
		pids="$pids $!"
	done
	if wait_for "$err" "joined; 3 client(s)" &&
	    wait_size "$tmp/hub" 21; then
		ok "$m: three clients at once, each one's line on stdout"
	else
		fail "$m: concurrent clients"
		show "$err" "$tmp/hub"
	fi
	echo broadcast >&4
	exec 4>&-
	good=1
	for p in $cpids; do
		finish $p 10 && [ $fstatus -eq 0 ] || good=0
	done
	for c in 1 2 3; do
		[ "$(cat "$tmp/c$c.out")" = broadcast ] || good=0
		[ "$(grep -c "^from-$c$" "$tmp/hub")" -eq 1 ] || good=0
	done
	if [ $good -eq 1 ] && [ "$(wc -l <"$tmp/hub")" -eq 3 ]; then
		ok "$m: stdin to every client, then EOF to each; clients done"
	else
		fail "$m: broadcast and end of input"
		show "$tmp/c1.out" "$tmp/c2.out" "$tmp/c3.out" "$tmp/hub" \
		    "$err"
	fi
	# After stdin's end a new client gets EOF at once; evcat serves on.
	if echo late | timeout -k 5 10 nc -N 127.0.0.1 "$port" \
	    >"$tmp/late" 2>&1 && wait_for "$tmp/hub" "^late$" &&
	    [ ! -s "$tmp/late" ] && kill -0 $hub 2>/dev/null; then
		ok "$m: still listening after stdin's end"
	else
		fail "$m: client after stdin's end"
		show "$tmp/late" "$err"
	fi
	kill $hub
	finish $hub 10
done

# -m 2: the third client is closed at once; the two others are served.
rm -f "$err"
bg $EVCAT -v -l -k -m 2 127.0.0.1 0 </dev/null >"$tmp/hub" 2>"$err"
hub=$bgpid
port=$(port_from "$err")
cpids=
for c in 1 2; do
	(echo "from-$c" && wait_for "$tmp/go" .) |
	    timeout -k 5 $LIMIT nc -N 127.0.0.1 "$port" >/dev/null 2>&1 &
	cpids="$cpids $!"
	pids="$pids $!"
done
wait_for "$err" "joined; 2 client(s)" || fail "-m: two clients not in"
(echo refused-data && sleep 1) |
    timeout -k 5 10 nc 127.0.0.1 "$port" >"$tmp/third" 2>&1
third=$?
if wait_for "$err" "refused, 2 connection(s) already (-m)" &&
    [ ! -s "$tmp/third" ]; then
	ok "-m 2: third client closed at once and logged (nc status $third)"
else
	fail "-m 2: third client"
	show "$err" "$tmp/third"
fi
echo go >"$tmp/go"
for p in $cpids; do
	finish $p 10
done
# Once the two left, a new client gets in again.
wait_for "$err" "0 client(s)"
if echo again | timeout -k 5 10 nc -N 127.0.0.1 "$port" >/dev/null 2>&1 &&
    wait_for "$tmp/hub" "^again$" && ! grep -q refused-data "$tmp/hub"; then
	ok "-m 2: a client gets in once others left"
else
	fail "-m 2: client after others left"
	show "$err" "$tmp/hub"
fi
kill $hub
finish $hub 10

# --rate holds for each client of -k: 300 KiB at 100 KiB/s takes 2 s or
# more (the first tick's burst aside), and arrives whole.
rm -f "$err"
head -c 307200 /dev/urandom >"$tmp/big"
bg $EVCAT -l -k --rate 100K 127.0.0.1 0 </dev/null >"$tmp/hub" 2>"$err"
hub=$bgpid
port=$(port_from "$err")
t0=$(now_ms)
timeout -k 5 $LIMIT nc -N 127.0.0.1 "$port" <"$tmp/big" >/dev/null 2>&1
wait_size "$tmp/hub" 307200
t1=$(now_ms)
if cmp -s "$tmp/big" "$tmp/hub" && [ $((t1 - t0)) -ge 1800 ]; then
	ok "-k --rate: $((t1 - t0)) ms for 300 KiB at 100 KiB/s"
else
	fail "-k --rate: $((t1 - t0)) ms"
	ls -l "$tmp/hub"
fi
kill $hub
finish $hub 10

# -k -C: stdin's newlines reach a client as CRLF (the hub rewrites a copy:
# a bufferevent's input takes no additions); --send-only: what the client
# sends never reaches stdout.
rm -f "$err" "$tmp/fifo"
mkfifo "$tmp/fifo"
exec 4<>"$tmp/fifo"
bg $EVCAT -v -l -k -C --send-only 127.0.0.1 0 <"$tmp/fifo" >"$tmp/hub" \
    2>"$err" 4>&-
hub=$bgpid
port=$(port_from "$err")
(echo from-client && wait_for "$tmp/crlf.out" "two") |
    timeout -k 5 $LIMIT nc -N 127.0.0.1 "$port" >"$tmp/crlf.out" 2>&1 4>&- &
cpid=$!
pids="$pids $cpid"
wait_for "$err" "joined; 1 client(s)"
printf 'one\ntwo\r\n' >&4
exec 4>&-
finish $cpid 10
if [ "$(od -An -c "$tmp/crlf.out" | tr -d ' \n')" = 'one\r\ntwo\r\n' ] &&
    [ ! -s "$tmp/hub" ]; then
	ok "-k -C --send-only: CRLF to the client, nothing from it on stdout"
else
	fail "-k -C --send-only"
	od -c "$tmp/crlf.out"
	show "$tmp/hub" "$err"
fi
kill $hub
finish $hub 10

done_tests
