#!/bin/sh
# evcat -e and -c, on every backend: -l -k -e /bin/cat is an echo server
# for three socat clients at once (each gets its own bytes back, each
# child's exit logged with -v); -c through /bin/sh against an nc listener
# (evcat exits with the program's status); -l -e serves one client and
# ends; a program that cannot be run gives 127 and a message.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evcat-lib.sh"

need socat nc
err=$tmp/err

# count_is FILE PATTERN N: FILE has N lines matching PATTERN.
count_is() {
	[ "$(grep -c "$2" "$1")" -eq "$3" ]
}

for c in 1 2 3; do
	head -c $((200000 + c)) /dev/urandom >"$tmp/in$c"
done

for m in $METHODS; do
	E="$EVCAT --method $m"

	rm -f "$err" "$tmp/go" "$tmp"/out?
	bg $E -v -l -k -e /bin/cat 127.0.0.1 0 </dev/null >/dev/null 2>"$err"
	srv=$bgpid
	port=$(port_from "$err")
	cpids=
	for c in 1 2 3; do
		(wait_for "$tmp/go" . && cat "$tmp/in$c") |
		    timeout -k 5 $LIMIT socat -t 10 - TCP:127.0.0.1:"$port" \
		    >"$tmp/out$c" 2>"$tmp/c$c.err" &
		cpids="$cpids $!"
		pids="$pids $!"
	done
	if poll_until 50 count_is "$err" 'runs /bin/cat' 3; then
		ok "$m: -k -e: three children at once"
	else
		fail "$m: -k -e: children"
		show "$err"
	fi
	echo go >"$tmp/go"
	good=1
	for p in $cpids; do
		finish $p $LIMIT && [ $fstatus -eq 0 ] || good=0
	done
	for c in 1 2 3; do
		cmp -s "$tmp/in$c" "$tmp/out$c" || good=0
	done
	if [ $good -eq 1 ] &&
	    poll_until 50 count_is "$err" 'child [0-9]* exited with status 0' 3
	then
		ok "$m: each client got its own bytes back; children reaped"
	else
		fail "$m: -k -e /bin/cat echo"
		show "$err" "$tmp/c1.err"
	fi
	kill $srv
	finish $srv 10

	# -c in connect mode; nc listens and answers.
	rm -f "$tmp/nc.err"
	bg nc -N -v -l 127.0.0.1 0 <"$tmp/in1" >"$tmp/nc.out" 2>"$tmp/nc.err"
	ncpid=$bgpid
	port=$(port_from "$tmp/nc.err")
	timeout -k 5 $LIMIT $E -c 'wc -c; echo "to stderr" >&2; exit 3' \
	    127.0.0.1 "$port" </dev/null >"$tmp/stdout" 2>"$tmp/stderr"
	st=$?
	finish $ncpid 10
	if [ $st -eq 3 ] && [ "$(tr -d ' ' <"$tmp/nc.out")" = 200001 ] &&
	    grep -q "^to stderr$" "$tmp/stderr" && [ ! -s "$tmp/stdout" ]; then
		ok "$m: -c: program on the connection, its status is evcat's"
	else
		fail "$m: -c (status $st)"
		show "$tmp/nc.out" "$tmp/stderr"
	fi

	# -l -e without -k: one client, then evcat ends with status 0.
	rm -f "$err"
	bg $E -l -e "tr a-z A-Z" 127.0.0.1 0 </dev/null >/dev/null 2>"$err"
	srv=$bgpid
	port=$(port_from "$err")
	echo "hello exec" | timeout -k 5 $LIMIT socat -t 10 - \
	    TCP:127.0.0.1:"$port" >"$tmp/up" 2>&1
	finish $srv 10
	if [ "$(cat "$tmp/up")" = "HELLO EXEC" ] && [ $fstatus -eq 0 ]; then
		ok "$m: -l -e: one client served, then exit 0"
	else
		fail "$m: -l -e (status $fstatus)"
		show "$tmp/up" "$err"
	fi
done

# A program that cannot be run: 127 and a message naming it.
bg nc -l 127.0.0.1 0 -v </dev/null >/dev/null 2>"$tmp/nc.err"
ncpid=$bgpid
port=$(port_from "$tmp/nc.err")
timeout -k 5 $LIMIT $EVCAT -e "/nonexistent/prog arg" 127.0.0.1 "$port" \
    </dev/null >/dev/null 2>"$tmp/stderr"
st=$?
finish $ncpid 10
if [ $st -eq 127 ] &&
    grep -q "cannot run /nonexistent/prog: No such file" "$tmp/stderr"; then
	ok "-e: a missing program gives 127 and says why"
else
	fail "-e missing program (status $st)"
	show "$tmp/stderr"
fi

done_tests
