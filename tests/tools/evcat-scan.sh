#!/bin/sh
# evcat -z: scanning ports the test opened and closed, given as a list, a
# range and a mix, on every backend; the report is one line per port in
# the order given, and the exit status says whether any port was open.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evcat-lib.sh"

out=$tmp/out
err=$tmp/err

# Two listeners that stay (-k) and a port that is bound but not listening
# (closed, and held so that nobody else opens it meanwhile).
listen_k() {
	rm -f "$tmp/l.err"
	bg "$EVCAT" -k -d -l 127.0.0.1 0 >/dev/null 2>"$tmp/l.err"
	port_from "$tmp/l.err"
}
p1=$(listen_k)
p2=$(listen_k)
hold_port
p3=$held_port

if [ -z "$p1" ] || [ -z "$p2" ] || [ -z "$p3" ]; then
	fail "listeners did not start"
	done_tests
fi

for m in $METHODS; do
	E="$EVCAT --method $m"

	timeout -k 5 10 $E -z 127.0.0.1 "$p1" "$p3,$p2" >"$out" 2>"$err"
	status=$?
	printf '127.0.0.1 %s open\n127.0.0.1 %s open\n' "$p1" "$p2" \
	    >"$tmp/want"
	if [ $status -eq 0 ] && cmp -s "$out" "$tmp/want"; then
		ok "$m: list: open ports reported in order, closed one not"
	else
		fail "$m: list (status $status)"
		show "$out" "$err"
	fi

	timeout -k 5 10 $E -z -v 127.0.0.1 "$p3" >"$out" 2>"$err"
	status=$?
	if [ $status -eq 1 ] &&
	    grep -q "^127.0.0.1 $p3 closed (Connection refused)$" "$out"; then
		ok "$m: -v: closed port reported, status 1"
	else
		fail "$m: closed port (status $status)"
		show "$out" "$err"
	fi

	# A range around the first listener: it is open, and the held
	# port is not.  Other ports in the range belong to other programs
	# on the machine, which may have them open.
	lo=$((p1 - 50))
	hi=$((p1 + 50))
	[ $lo -lt 1 ] && lo=1
	[ $hi -gt 65535 ] && hi=65535
	timeout -k 5 10 $E -z 127.0.0.1 "$lo-$hi,$p3" >"$out" 2>"$err"
	status=$?
	if [ $status -eq 0 ] && grep -q "^127.0.0.1 $p1 open$" "$out" &&
	    ! grep -q "^127.0.0.1 $p3 " "$out"; then
		ok "$m: range $lo-$hi"
	else
		fail "$m: range $lo-$hi (status $status)"
		show "$out" "$err"
	fi
done

# A probe whose source port is the port it probes connects to itself
# (TCP simultaneous open), which happens by chance with many probes in
# flight; that port is closed, not open.  The port comes from the kernel
# as free; if someone takes it meanwhile, try another.
for m in $METHODS; do
	for try in 1 2 3; do
		sp=$(free_port)
		timeout -k 5 10 "$EVCAT" --method "$m" -z -v -s 127.0.0.1 -p "$sp" \
		    127.0.0.1 "$sp" >"$out" 2>"$err"
		status=$?
		grep -q "in use" "$out" || break
	done
	if [ $status -eq 1 ] &&
	    grep -q "^127.0.0.1 $sp closed (connected to itself)$" "$out"
	then
		ok "$m: -z: a probe connected to itself is a closed port"
	else
		fail "$m: -z: self-connection (status $status)"
		show "$out" "$err"
	fi
done

# Many ports, many connects in flight: 20000 ports in bounded time, every
# one decided (-v prints a line for each).
t0=$(now_ms)
timeout -k 5 20 "$EVCAT" -z -v 127.0.0.1 1-20000 >"$out" 2>"$err"
status=$?
dt=$(($(now_ms) - t0))
lines=$(grep -c . "$out")
if [ "$lines" -eq 20000 ] && [ $status -le 1 ]; then
	ok "20000 ports, one line each, in $dt ms"
else
	fail "20000 ports: $lines lines, status $status, $dt ms"
	show "$err"
fi

# Bad port lists are usage errors.
for bad in 0 65536 10-5 x-y ""; do
	timeout -k 5 5 "$EVCAT" -z 127.0.0.1 "$bad" >/dev/null 2>&1
	status=$?
	if [ $status -eq 2 ]; then
		ok "-z port '$bad': status 2"
	else
		fail "-z port '$bad': status $status, not 2"
	fi
done

done_tests
