#!/bin/sh
# evcat options that nc and ncat users reach for, against real peers
# (socat, OpenBSD nc), checking the bytes that went over the wire: -C
# (CRLF), -o (transcript), --hex-dump FILE, --send-only, --recv-only,
# -I/-O (socket buffers, read back with ss), -l -p PORT, and times with
# units for -q and -w (bounds, not exact timings).
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evcat-lib.sh"

need socat

out=$tmp/out
err=$tmp/err

# peer SYSTEM-COMMAND [SOCAT-OPTIONS]: socat listening on 127.0.0.1 port
# 0, each connection handed to the shell command; sets $ppid and $port.
peer() {
	rm -f "$tmp/p.err"
	bg socat -d -d $2 TCP-LISTEN:0,bind=127.0.0.1 SYSTEM:"$1" \
	    </dev/null 2>"$tmp/p.err"
	ppid=$bgpid
	port=$(port_from "$tmp/p.err")
	[ -n "$port" ] || fail "socat did not start: $(cat "$tmp/p.err")"
}

for m in $METHODS; do
	E="$EVCAT --method $m"

	# -C: each "\n" goes out as "\r\n"; "\r\n" stays as it is, also
	# when the "\r" ends one read and the "\n" starts the next.
	rm -f "$tmp/got"
	peer "exec cat >$tmp/got"
	{ printf 'a\nb\r\n' && sleep 0.2 && printf 'c\r' && sleep 0.2 &&
	    printf '\nd\n'; } | timeout -k 5 10 $E -C 127.0.0.1 "$port" \
	    >"$out" 2>"$err"
	st=$?
	finish $ppid 5
	printf 'a\r\nb\r\nc\r\nd\r\n' >"$tmp/want"
	if [ $st -eq 0 ] && cmp -s "$tmp/got" "$tmp/want"; then
		ok "$m: -C sends CRLF line ends, none doubled"
	else
		fail "$m: -C (status $st)"
		od -c "$tmp/got"
		show "$err"
	fi
done

# -C from a regular file (the path that would be sendfile(2)) and a pipe
# (splice(2)): converted all the same.
printf 'x\ny\n' >"$tmp/in"
for src in file pipe; do
	rm -f "$tmp/got"
	peer "exec cat >$tmp/got"
	if [ $src = file ]; then
		timeout -k 5 10 "$EVCAT" -C 127.0.0.1 "$port" <"$tmp/in" 2>"$err"
	else
		cat "$tmp/in" | timeout -k 5 10 "$EVCAT" -C 127.0.0.1 "$port" \
		    2>"$err"
	fi
	finish $ppid 5
	if [ "$(od -An -c "$tmp/got" | tr -s ' ')" = " x \r \n y \r \n" ]; then
		ok "-C with stdin a $src"
	else
		fail "-C with stdin a $src"
		od -c "$tmp/got"
	fi
done

# -o: the transcript holds what was sent and what was received, raw;
# --hex-dump FILE: the dump in the file, nothing on stderr.
rm -f "$tmp/got" "$tmp/trans" "$tmp/hex"
peer "printf pong; exec cat >$tmp/got"
printf 'ping' | timeout -k 5 10 "$EVCAT" -o "$tmp/trans" \
    --hex-dump "$tmp/hex" 127.0.0.1 "$port" >"$out" 2>"$err"
st=$?
finish $ppid 5
t=$(cat "$tmp/trans" 2>/dev/null)
if [ $st -eq 0 ] && [ "$(cat "$tmp/got")" = ping ] &&
    [ "$(cat "$out")" = pong ] &&
    { [ "$t" = pingpong ] || [ "$t" = pongping ]; } &&
    grep -q '^> 00000000  70 69 6e 67 .*|ping|$' "$tmp/hex" &&
    grep -q '^< 00000000  70 6f 6e 67 .*|pong|$' "$tmp/hex" &&
    ! grep -q '00000000' "$err"; then
	ok "-o transcript ($t) and --hex-dump FILE"
else
	fail "-o / --hex-dump (status $st, transcript '$t')"
	show "$tmp/got" "$out" "$err" "$tmp/hex"
fi
# -x alone still dumps on stderr.
peer "printf pong; exec cat >/dev/null"
printf 'ping' | timeout -k 5 10 "$EVCAT" -x 127.0.0.1 "$port" >"$out" 2>"$err"
finish $ppid 5
if grep -q '^< 00000000  70 6f 6e 67 .*|pong|$' "$err"; then
	ok "-x alone: dump on stderr"
else
	fail "-x alone"
	show "$err"
fi
# A transcript that cannot be written: status 1, the file named.
printf 'ping' | timeout -k 5 10 "$EVCAT" -o "$tmp/no/such/dir" 127.0.0.1 1 \
    >"$out" 2>"$err"
st=$?
if [ $st -eq 1 ] && grep -q "^evcat: -o $tmp/no/such/dir: " "$err"; then
	ok "-o into a missing directory: status 1, named"
else
	fail "-o into a missing directory (status $st)"
	show "$err"
fi
# A transcript that fails while the data flows (/dev/full): said once,
# the data still goes through, and the status is 1 (the record asked for
# is incomplete).  Same for the --hex-dump file.
if [ -w /dev/full ]; then
	for opt in -o --hex-dump; do
		rm -f "$tmp/got"
		peer "exec cat >$tmp/got"
		printf 'ping\n' | timeout -k 5 10 "$EVCAT" $opt /dev/full \
		    127.0.0.1 "$port" >"$out" 2>"$err"
		st=$?
		finish $ppid 5
		if [ $st -eq 1 ] && [ "$(cat "$tmp/got")" = ping ] &&
		    [ "$(grep -c "^evcat: $opt /dev/full: " "$err")" = 1 ]; then
			ok "$opt /dev/full: data sent, error said once, status 1"
		else
			fail "$opt /dev/full (status $st)"
			show "$err" "$tmp/got"
		fi
	done
fi
# -o naming a file evcat already uses (standard input's, standard
# output's): refused before it is truncated.  kept_file WHAT REDIR: the
# file $tmp/k, given as -o while also REDIR ("<" or ">>").
kept_file() {
	printf 'keep me' >"$tmp/k"
	if [ "$2" = "<" ]; then
		timeout -k 5 10 "$EVCAT" -o "$tmp/k" 127.0.0.1 1 <"$tmp/k" \
		    >"$out" 2>"$err"
	else
		timeout -k 5 10 "$EVCAT" -o "$tmp/k" 127.0.0.1 1 </dev/null \
		    >>"$tmp/k" 2>"$err"
	fi
	st=$?
	if [ $st -eq 1 ] && [ "$(cat "$tmp/k")" = "keep me" ] &&
	    grep -q "^evcat: -o $tmp/k: is $1" "$err"; then
		ok "-o FILE ${2}FILE: refused, FILE intact"
	else
		fail "-o FILE ${2}FILE (status $st)"
		show "$err" "$tmp/k"
	fi
}
kept_file "standard input" "<"
kept_file "standard output" ">>"
# Nor --hex-dump into the -o file.
timeout -k 5 10 "$EVCAT" -o "$tmp/o" --hex-dump "$tmp/o" 127.0.0.1 1 \
    </dev/null >"$out" 2>"$err"
st=$?
if [ $st -eq 1 ] && grep -q "^evcat: --hex-dump $tmp/o: is the -o file" \
    "$err"; then
	ok "-o FILE --hex-dump FILE: refused"
else
	fail "-o FILE --hex-dump FILE (status $st)"
	show "$err"
fi

# --send-only: the peer's data is dropped and evcat leaves once its input
# is sent, while the peer still holds the connection open (8 s).  Without
# it, evcat waits for the peer: the same run takes the 8 s.
for opt in --send-only ""; do
	rm -f "$tmp/got"
	peer "printf server-data; cat >$tmp/got; sleep 8" "-t 30"
	t0=$(now_ms)
	printf 'hello' | timeout -k 5 20 "$EVCAT" $opt 127.0.0.1 "$port" \
	    >"$out" 2>"$err"
	st=$?
	dt=$(($(now_ms) - t0))
	wait_size "$tmp/got" 5
	kill $ppid 2>/dev/null
	if [ -n "$opt" ]; then
		if [ $st -eq 0 ] && [ ! -s "$out" ] && [ $dt -lt 6000 ] &&
		    [ "$(cat "$tmp/got")" = hello ]; then
			ok "--send-only: sent, peer data dropped, done in $dt ms"
		else
			fail "--send-only (status $st, $dt ms)"
			show "$out" "$err" "$tmp/got"
		fi
	elif [ "$(cat "$out")" = server-data ] && [ $dt -ge 6000 ]; then
		ok "without --send-only: peer data printed, waited $dt ms"
	else
		fail "without --send-only (status $st, $dt ms)"
		show "$out" "$err"
	fi
done

# --recv-only: standard input is not read (the peer gets nothing, not
# even an end of data) and the peer's data is printed.  The peer, OpenBSD
# nc, sends "hello" and shuts its sending half down (-N).
if have nc; then
	rm -f "$tmp/got" "$tmp/n.err"
	printf hello | bg nc -v -N -l 127.0.0.1 0 >"$tmp/got" 2>"$tmp/n.err"
	ppid=$bgpid
	port=$(port_from "$tmp/n.err")
	printf 'must-not-go' | timeout -k 5 10 "$EVCAT" --recv-only 127.0.0.1 \
	    "$port" >"$out" 2>"$err"
	st=$?
	finish $ppid 5
	if [ $st -eq 0 ] && [ "$(cat "$out")" = hello ] && [ -f "$tmp/got" ] &&
	    [ ! -s "$tmp/got" ]; then
		ok "--recv-only: stdin untouched, peer data printed"
	else
		fail "--recv-only (status $st)"
		show "$out" "$err" "$tmp/got"
	fi
else
	echo "skip: no nc for --recv-only"
fi

# -I/-O: the kernel's view (ss -m: rb, tb; it doubles what was asked).
if have ss; then
	# skmem FILTER: the socket memory line of the one established
	# TCP socket FILTER picks.
	skmem() {
		ss -tmnH state established "$1" 2>/dev/null | grep skmem
	}
	# Listening: accepted sockets inherit the listener's buffers.
	rm -f "$err"
	bg "$EVCAT" -v -I 65536 -O 32768 -l 127.0.0.1 0 </dev/null \
	    >/dev/null 2>"$err"
	lpid=$bgpid
	port=$(port_from "$err")
	bg socat -u EXEC:"sleep 10" TCP:127.0.0.1:"$port" </dev/null
	cpid=$bgpid
	wait_for "$err" "connection from"
	poll_until 50 test -n "$(skmem "( sport = :$port )")"
	s=$(skmem "( sport = :$port )")
	kill $cpid $lpid 2>/dev/null
	case $s in
	*rb131072,*tb65536,*)
		ok "-l -I 65536 -O 32768: rb131072 tb65536" ;;
	*)
		fail "-l -I/-O: $s"
		show "$err" ;;
	esac
	# Connecting, with -v saying what the kernel set.
	peer "exec cat >/dev/null"
	sleep 10 | timeout -k 5 20 "$EVCAT" -v -O 100000 127.0.0.1 "$port" \
	    >/dev/null 2>"$err" &
	cpid=$!
	pids="$pids $cpid"
	wait_for "$err" "connected to"
	s=$(skmem "( dport = :$port )")
	kill $cpid $ppid 2>/dev/null
	case $s in
	*tb200000,*)
		if grep -q "SO_SNDBUF 200000 (asked for 100000)" "$err"; then
			ok "-O 100000 when connecting: tb200000, said with -v"
		else
			fail "-O: -v note"
			show "$err"
		fi ;;
	*)
		fail "-O when connecting: $s"
		show "$err" ;;
	esac
	# UDP, listening.
	rm -f "$err"
	bg "$EVCAT" -u -I 65536 -l 127.0.0.1 0 </dev/null >/dev/null 2>"$err"
	lpid=$bgpid
	port=$(port_from "$err")
	s=$(ss -umnaH "( sport = :$port )" 2>/dev/null | grep skmem)
	kill $lpid 2>/dev/null
	case $s in
	*rb131072,*) ok "-u -l -I 65536: rb131072" ;;
	*) fail "-u -l -I: $s" ;;
	esac
else
	echo "skip: no ss for -I/-O"
fi

# -l -p PORT (nc's and ncat's way), with OpenBSD nc as the client; the
# port comes from -p, the address from the operand.
if have nc; then
	rm -f "$err"
	bg "$EVCAT" -l -p 0 127.0.0.1 </dev/null >"$out" 2>"$err"
	lpid=$bgpid
	port=$(port_from "$err")
	echo via-p | timeout -k 5 10 nc -N 127.0.0.1 "$port" >/dev/null 2>&1
	finish $lpid 5
	if [ "$(cat "$out")" = via-p ] &&
	    grep -q "listening on 127.0.0.1:$port$" "$err"; then
		ok "-l -p 0 127.0.0.1: listens, nc's data arrives"
	else
		fail "-l -p"
		show "$out" "$err"
	fi
	# A fixed port: -l -p P P is fine; the kernel said P was free,
	# another program may take it first, so retry.
	for try in 1 2 3; do
		p=$(free_port)
		rm -f "$err"
		bg "$EVCAT" -l -p "$p" 127.0.0.1 "$p" </dev/null >"$out" \
		    2>"$err"
		lpid=$bgpid
		port=$(port_from "$err")
		[ -n "$port" ] && break
		kill $lpid 2>/dev/null
	done
	echo same | timeout -k 5 10 nc -N 127.0.0.1 "$p" >/dev/null 2>&1
	finish $lpid 5
	if [ "$port" = "$p" ] && [ "$(cat "$out")" = same ]; then
		ok "-l -p $p 127.0.0.1 $p"
	else
		fail "-l -p P address P (port '$port', want $p)"
		show "$out" "$err"
	fi
else
	echo "skip: no nc for -l -p"
fi

# Times with units.  The peer keeps the connection open and silent.
# -q 300ms: quits about 0.3 s after the end of input; -q 2s: not before
# about 2 s; -w 500ms: an idle connection ends after about 0.5 s.  Lower
# bounds are what the options promise; the upper ones are guards for a
# busy machine.
# timed EXPECT-MIN EXPECT-MAX LABEL EVCAT-ARGS...: runs evcat with stdin
# "x" against a fresh silent peer and checks it took MIN..MAX ms.
timed() {
	min=$1 max=$2 label=$3
	shift 3
	peer "exec sleep 30" "-t 30"
	t0=$(now_ms)
	printf x | timeout -k 5 20 "$EVCAT" "$@" 127.0.0.1 "$port" \
	    >/dev/null 2>"$err"
	st=$?
	dt=$(($(now_ms) - t0))
	kill $ppid 2>/dev/null
	if [ $st -eq 0 ] && [ $dt -ge "$min" ] && [ $dt -lt "$max" ]; then
		ok "$label: $dt ms"
	else
		fail "$label: status $st, $dt ms (want $min..$max)"
		show "$err"
	fi
}
timed 250 4000 "-q 300ms" -q 300ms
timed 400 4000 "-q 0.5" -q 0.5
timed 1900 8000 "-q 2s" -q 2s
timed 450 4000 "-d -w 500ms" -d -w 500ms
# -w 1m and -q 1m are accepted and change nothing for a short transfer.
timed 0 4000 "-q 0 -w 1m" -q 0 -w 1m

done_tests
