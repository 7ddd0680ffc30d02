#!/bin/sh
# evcat: bulk transfers over 127.0.0.1 with OpenBSD nc, socat and evcat as
# the other end, in both directions, on every backend; the checksums must
# match.  Both of evcat's data paths are covered: the zero-copy one
# (splice/sendfile, the default for files and pipes) and the copying one
# (--no-splice).  Also both directions at once (back-pressure both ways)
# and a slow reader, which must not make evcat buffer without bound.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evcat-lib.sh"

# 64 MiB per transfer by default: with 256 MiB the test takes 25 s on the
# three backends (12 s on one), over the 10 s budget.  EVCAT_TEST_MB=256
# runs the big one.
MB=${EVCAT_TEST_MB:-64}
data=$tmp/data
head -c $((MB * 1024 * 1024)) /dev/urandom >"$data" || exit 99
want=$(sum "$data")
out=$tmp/out
err=$tmp/err

check() {
	if [ "$(sum "$out")" = "$want" ]; then
		ok "$1"
	else
		fail "$1: checksum $(sum "$out"), want $want"
		show "$err" "$tmp/err2"
	fi
}

# evcat_listen ARGS...: an evcat listener writing to $out; sets $lpid and
# $port.  Its stdin is /dev/null (so it has nothing to send).
evcat_listen() {
	rm -f "$err" "$out"
	bg "$EVCAT" "$@" -l 127.0.0.1 0 </dev/null >"$out" 2>"$err"
	lpid=$bgpid
	port=$(port_from "$err") || fail "no port from evcat -l $*"
}

for m in $METHODS; do
	E="$EVCAT --method $m"

	# evcat -> evcat, zero-copy: file in, file out.
	evcat_listen --method $m
	timeout -k 5 $LIMIT $E 127.0.0.1 "$port" <"$data" 2>"$tmp/err2" ||
		fail "$m: evcat sender exited $?"
	finish $lpid 10
	check "$m: evcat -> evcat (sendfile, splice) $MB MiB"

	# evcat -> evcat, zero-copy between pipes.
	rm -f "$err"
	timeout -k 5 $LIMIT $E -l 127.0.0.1 0 </dev/null 2>"$err" | cat >"$out" &
	lpid=$!
	pids="$pids $lpid"
	port=$(port_from "$err")
	cat "$data" | timeout -k 5 $LIMIT $E 127.0.0.1 "$port" 2>"$tmp/err2"
	finish $lpid 10
	check "$m: pipe | evcat -> evcat | pipe $MB MiB"

	# evcat -> evcat, copying.
	evcat_listen --method $m --no-splice
	timeout -k 5 $LIMIT $E --no-splice 127.0.0.1 "$port" <"$data" \
	    2>"$tmp/err2" || fail "$m: evcat --no-splice exited $?"
	finish $lpid 10
	check "$m: evcat -> evcat --no-splice $MB MiB"

	if have nc; then
		# nc sends; nc -N shuts down after EOF so evcat sees the end.
		evcat_listen --method $m
		timeout -k 5 $LIMIT nc -N 127.0.0.1 "$port" <"$data" ||
			fail "$m: nc exited $?"
		finish $lpid 10
		check "$m: nc -> evcat $MB MiB"

		# nc receives; it leaves once evcat's shutdown arrives.
		rm -f "$tmp/nc.err"
		bg nc -lvn 127.0.0.1 0 >"$out" 2>"$tmp/nc.err" </dev/null
		ncpid=$bgpid
		port=$(port_from "$tmp/nc.err")
		timeout -k 5 $LIMIT $E 127.0.0.1 "$port" <"$data" 2>"$err" ||
			fail "$m: evcat -> nc: evcat exited $?"
		finish $ncpid 10 || fail "$m: nc -l did not see the end"
		check "$m: evcat -> nc $MB MiB"
	fi

	if have socat; then
		evcat_listen --method $m
		timeout -k 5 $LIMIT socat -u - "TCP:127.0.0.1:$port" <"$data" ||
			fail "$m: socat exited $?"
		finish $lpid 10
		check "$m: socat -> evcat $MB MiB"

		rm -f "$tmp/so.err"
		bg socat -d -d -u TCP-LISTEN:0,bind=127.0.0.1 - >"$out" \
		    2>"$tmp/so.err"
		sopid=$bgpid
		port=$(port_from "$tmp/so.err")
		timeout -k 5 $LIMIT $E --no-splice 127.0.0.1 "$port" <"$data" \
		    2>"$err" || fail "$m: evcat -> socat: evcat exited $?"
		finish $sopid 10 || fail "$m: socat did not see the end"
		check "$m: evcat --no-splice -> socat $MB MiB"
	fi

	# Both directions at once: each end sends one file and receives the
	# other; each must see all of the other's data, then both leave.
	head -c $((MB * 1024 * 1024 / 4)) /dev/urandom >"$tmp/data2"
	rm -f "$err"
	bg $E -l 127.0.0.1 0 <"$tmp/data2" >"$out" 2>"$err"
	lpid=$bgpid
	port=$(port_from "$err")
	timeout -k 5 $LIMIT $E 127.0.0.1 "$port" <"$data" >"$tmp/out2" \
	    2>"$tmp/err2" || fail "$m: both ways: sender exited $?"
	finish $lpid 10 || fail "$m: both ways: listener did not finish"
	if [ "$(sum "$out")" = "$want" ] &&
	    [ "$(sum "$tmp/out2")" = "$(sum "$tmp/data2")" ]; then
		ok "$m: both directions at once"
	else
		fail "$m: both directions at once: data differs"
		show "$err" "$tmp/err2"
	fi
done

# A slow reader (4 s late) behind evcat, on the copying path: evcat must
# stop reading the socket rather than buffer all of it.  Peak memory
# (GNU time's %M, KiB) stays far below the transfer size.
if [ -x /usr/bin/time ]; then
	rm -f "$err"
	(/usr/bin/time -f 'maxrss %M' -o "$tmp/rss" \
	    timeout -k 5 $LIMIT "$EVCAT" --no-splice -l 127.0.0.1 0 </dev/null \
	    2>"$err" | (sleep 4 && cat >"$out")) &
	lpid=$!
	pids="$pids $lpid"
	port=$(port_from "$err")
	timeout -k 5 $LIMIT "$EVCAT" --no-splice 127.0.0.1 "$port" <"$data" ||
		fail "slow reader: sender exited $?"
	finish $lpid 20
	rss=$(sed -n 's/^maxrss //p' "$tmp/rss")
	check "slow reader: data intact"
	if ldd "$EVCAT" 2>/dev/null | grep -q libasan; then
		# ASan's shadow memory and quarantine dwarf evcat's buffers;
		# the plain build checks the bound.
		ok "slow reader: peak RSS not checked under AddressSanitizer"
	elif [ -n "$rss" ] && [ "$rss" -lt $((MB * 1024 / 2)) ] &&
	    [ "$rss" -lt 32768 ]; then
		ok "slow reader: peak RSS $rss KiB for $MB MiB"
	else
		fail "slow reader: peak RSS ${rss:-?} KiB for $MB MiB"
	fi
fi

done_tests
