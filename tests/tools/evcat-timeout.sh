#!/bin/sh
# evcat -w and -q, on every backend: a connect that gets no answer fails
# after -w seconds (status 1); a connection with no traffic ends after -w
# seconds (status 0); -q ends evcat that long after its input ended.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evcat-lib.sh"

out=$tmp/out
err=$tmp/err

# A listener whose accept queue is full, so that further SYNs go
# unanswered: backlog 0 and one connection that is never accepted.
cat >"$tmp/hold.pl" <<'PERL'
use Socket;
socket(S, PF_INET, SOCK_STREAM, 0) or die "socket: $!";
bind(S, pack_sockaddr_in(0, inet_aton("127.0.0.1"))) or die "bind: $!";
listen(S, 0) or die "listen: $!";
my ($port) = unpack_sockaddr_in(getsockname(S));
socket(C, PF_INET, SOCK_STREAM, 0) or die "socket: $!";
connect(C, pack_sockaddr_in($port, inet_aton("127.0.0.1")))
    or die "connect: $!";
$| = 1;
print "listening on 127.0.0.1:$port\n";
sleep 300;
PERL

# elapsed CMD...: run CMD; $status, $dt (ms).  The upper bounds below
# only tell "fired late on a loaded machine" from "never fired" (the
# command's own 10 s timeout, status 124); the lower bounds and the
# statuses are the checks.
elapsed() {
	t0=$(now_ms)
	"$@"
	status=$?
	dt=$(($(now_ms) - t0))
}

if have perl; then
	bg perl "$tmp/hold.pl" >"$tmp/hold.out" 2>&1
	hold=$(port_from "$tmp/hold.out")
fi

mkfifo "$tmp/fifo" || exit 99
exec 4<>"$tmp/fifo"
fifo=$tmp/fifo
echo one >"$tmp/one"

# An idle peer: accepts, then says nothing and never closes (its stdin is
# the FIFO too).
bg "$EVCAT" -k -l 127.0.0.1 0 <"$fifo" >/dev/null 2>"$tmp/idle.err"
idle=$(port_from "$tmp/idle.err")

for m in $METHODS; do
	E="$EVCAT --method $m"

	if [ -n "$hold" ]; then
		elapsed timeout -k 5 10 $E -w 1 127.0.0.1 "$hold" </dev/null \
		    >/dev/null 2>"$err"
		if [ $status -eq 1 ] && [ $dt -ge 900 ] && [ $dt -lt 8000 ] &&
		    grep -q "timed out" "$err"; then
			ok "$m: -w 1 connect timeout after $dt ms, status 1"
		else
			fail "$m: -w 1 connect timeout ($status, $dt ms)"
			show "$err"
		fi
	fi

	# Idle: stdin stays open (a FIFO this shell holds open for
	# writing) and nothing moves either way.
	elapsed timeout -k 5 10 $E -v -w 1 127.0.0.1 "$idle" <"$fifo" \
	    >/dev/null 2>"$err"
	if [ $status -eq 0 ] && [ $dt -ge 900 ] && [ $dt -lt 8000 ] &&
	    grep -q "idle for 1 s" "$err"; then
		ok "$m: -w 1 idle timeout after $dt ms, status 0"
	else
		fail "$m: -w 1 idle timeout ($status, $dt ms)"
		show "$err"
	fi

	# Traffic keeps a -w connection alive: a line every 0.3 s for 1.5 s.
	elapsed sh -c "for i in 1 2 3 4 5; do echo \$i; sleep 0.3; done |
	    timeout -k 5 10 $E -N -w 1 127.0.0.1 $idle >/dev/null 2>'$err'"
	if [ $status -eq 0 ] && [ $dt -ge 1400 ]; then
		ok "$m: -w 1 not idle while data flows ($dt ms)"
	else
		fail "$m: -w 1 with traffic ($status, $dt ms)"
		show "$err"
	fi

	# -q 1: quits a second after the end of input; -q 0 at once.
	for q in 0 1; do
		elapsed timeout -k 5 10 $E -q $q 127.0.0.1 "$idle" <"$tmp/one" \
		    >/dev/null 2>"$err"
		lo=$((q * 1000 - 100))
		if [ $status -eq 0 ] && [ $dt -ge $lo ] &&
		    [ $dt -lt $((q * 1000 + 7000)) ]; then
			ok "$m: -q $q: quit after $dt ms"
		else
			fail "$m: -q $q ($status, $dt ms)"
			show "$err"
		fi
	done
done

exec 4>&-
done_tests
