#!/bin/sh
# evcat --broker with three clients, on every backend: each client's line
# reaches the two others (never itself) and the broker's stdout; clients
# that leave do not stop the broker.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evcat-lib.sh"

err=$tmp/err

for m in $METHODS; do
	E="$EVCAT --method $m"

	rm -f "$err" "$tmp/go"
	bg $E -v --broker -l 127.0.0.1 0 </dev/null >"$tmp/hub" 2>"$err"
	hub=$bgpid
	port=$(port_from "$err")

	# Each client connects, waits until all three are in, says one
	# line, and stays until it has heard the two others.
	cpids=
	for c in A B C; do
		(wait_for "$tmp/go" . && echo "from-$c" &&
		    i=0 && while [ "$(grep -c '^from-' "$tmp/$c")" -lt 2 ] &&
		    [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done) |
		    timeout -k 5 10 $E 127.0.0.1 "$port" >"$tmp/$c" \
		    2>"$tmp/$c.err" &
		cpids="$cpids $!"
		pids="$pids $!"
	done
	wait_for "$err" "joined; 3 client(s)" || fail "$m: clients not in"
	echo go >"$tmp/go"
	for p in $cpids; do
		finish $p 10
	done

	good=1
	for c in A B C; do
		for o in A B C; do
			if [ $c = $o ]; then
				! grep -q "from-$o" "$tmp/$c" || good=0
			else
				grep -q "^from-$o$" "$tmp/$c" || good=0
			fi
		done
	done
	[ "$(grep -c '^from-' "$tmp/hub")" -eq 3 ] || good=0
	if [ $good -eq 1 ] && kill -0 $hub 2>/dev/null; then
		ok "$m: broker relayed each client to the two others"
	else
		fail "$m: broker"
		show "$tmp/A" "$tmp/B" "$tmp/C" "$tmp/hub" "$err"
	fi

	# The broker outlives its clients: a fourth one still gets served.
	echo "from-D" | timeout -k 5 5 $E -q 0 127.0.0.1 "$port" >/dev/null 2>&1
	if wait_for "$tmp/hub" "^from-D$"; then
		ok "$m: broker still serving after clients left"
	else
		fail "$m: broker after clients left"
		show "$tmp/hub" "$err"
	fi
	kill $hub
	wait $hub 2>/dev/null
done

# Out of descriptors: a broker limited to 32 open files gets 40 clients.
# It must neither spin nor stop accepting for good: while the shortage
# lasts it uses almost no CPU, and once the clients leave, a new one is
# served.
if have perl; then
	cat >"$tmp/hold.pl" <<'PERL'
use Socket;
my ($port, $n, $secs) = @ARGV;
my @keep;
for (1 .. $n) {
	socket(my $c, PF_INET, SOCK_STREAM, 0) or die "socket: $!";
	connect($c, pack_sockaddr_in($port, inet_aton("127.0.0.1")))
	    or die "connect: $!";
	push @keep, $c;
}
$| = 1;
print "held $n\n";
sleep $secs;
PERL
	rm -f "$err"
	sh -c "ulimit -n 32 && exec timeout -k 5 $LIMIT $EVCAT --broker \
	    -l 127.0.0.1 0" </dev/null >"$tmp/hub" 2>"$err" &
	hub=$!
	pids="$pids $hub"
	port=$(port_from "$err")
	bg perl "$tmp/hold.pl" "$port" 40 2 >"$tmp/held"
	holder=$bgpid
	wait_for "$tmp/held" "^held 40$"
	evpid=$(cat /proc/$hub/task/$hub/children 2>/dev/null | tr -d ' ')
	ticks() {
		awk '{ print $14 + $15 }' /proc/"$evpid"/stat 2>/dev/null
	}
	t0=$(ticks)
	sleep 1
	t1=$(ticks)
	finish $holder 10
	echo "from-late" | timeout -k 5 5 "$EVCAT" -q 0 127.0.0.1 "$port" \
	    >/dev/null 2>&1
	wait_for "$tmp/hub" "^from-late$"
	cpu=$(( ${t1:-0} - ${t0:-0} ))
	if [ -n "$t0" ] && [ "$cpu" -le 10 ] &&
	    grep -q "Too many open files" "$err" &&
	    grep -q "^from-late$" "$tmp/hub"; then
		ok "EMFILE: $cpu ticks of CPU in 1 s, accepting again after"
	else
		fail "EMFILE: ${cpu} ticks in 1 s, late client relayed: \
$(grep -c from-late "$tmp/hub")"
		show "$err" "$tmp/held"
	fi
	[ "$(grep -c 'Too many open files' "$err")" -le 2 ] ||
		fail "EMFILE: reported more than once"
	kill $hub
fi

done_tests
