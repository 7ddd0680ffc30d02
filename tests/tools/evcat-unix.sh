#!/bin/sh
# evcat -U: unix-domain stream sockets, with evcat, socat and OpenBSD nc
# on the other end, on every backend.  The listener removes its socket
# file at exit and refuses a path that exists.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evcat-lib.sh"

out=$tmp/out
err=$tmp/err
sock=$tmp/sock
head -c 1048576 /dev/urandom >"$tmp/data"
want=$(sum "$tmp/data")

# wait_sock PATH: up to 5 s for the socket file.
wait_sock() {
	i=0
	while [ ! -S "$1" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

for m in $METHODS; do
	E="$EVCAT --method $m"

	# evcat -> evcat -lU
	rm -f "$sock"
	bg $E -lU "$sock" >"$out" 2>"$err"
	lpid=$bgpid
	wait_sock "$sock"
	timeout -k 5 10 $E -U "$sock" <"$tmp/data" 2>"$tmp/err2"
	finish $lpid 5
	if [ "$(sum "$out")" = "$want" ] && [ $fstatus -eq 0 ] &&
	    [ ! -e "$sock" ]; then
		ok "$m: evcat -U -> evcat -lU, socket file removed"
	else
		fail "$m: evcat -U -> evcat -lU (status $fstatus)"
		show "$err" "$tmp/err2"
	fi

	# socat -> evcat -lU
	if have socat; then
		bg $E -lU "$sock" >"$out" 2>"$err"
		lpid=$bgpid
		wait_sock "$sock"
		timeout -k 5 10 socat -u - "UNIX-CONNECT:$sock" <"$tmp/data"
		finish $lpid 5
		if [ "$(sum "$out")" = "$want" ]; then
			ok "$m: socat -> evcat -lU"
		else
			fail "$m: socat -> evcat -lU"
			show "$err"
		fi

		# evcat -U -> socat
		rm -f "$sock"
		bg socat -u "UNIX-LISTEN:$sock" - >"$out"
		sopid=$bgpid
		wait_sock "$sock"
		timeout -k 5 10 $E -U "$sock" <"$tmp/data" 2>"$err"
		finish $sopid 5
		if [ "$(sum "$out")" = "$want" ]; then
			ok "$m: evcat -U -> socat"
		else
			fail "$m: evcat -U -> socat"
			show "$err"
		fi
	fi

	# nc -U -> evcat -lU, and an answer back.
	if have nc; then
		rm -f "$sock"
		printf 'answer\n' >"$tmp/answer"
		bg $E -lU "$sock" <"$tmp/answer" >"$out" 2>"$err"
		lpid=$bgpid
		wait_sock "$sock"
		printf 'question\n' |
		    timeout -k 5 10 nc -N -U "$sock" >"$tmp/got" 2>"$tmp/err2"
		finish $lpid 5
		if [ "$(cat "$out")" = question ] &&
		    [ "$(cat "$tmp/got")" = answer ]; then
			ok "$m: nc -U <-> evcat -lU"
		else
			fail "$m: nc -U <-> evcat -lU"
			show "$out" "$tmp/got" "$err" "$tmp/err2"
		fi
	fi
done

# A path that exists is not taken over.
: >"$tmp/file"
timeout -k 5 5 "$EVCAT" -lU "$tmp/file" >/dev/null 2>"$err"
status=$?
if [ $status -eq 1 ] && grep -q "in use" "$err" && [ -f "$tmp/file" ]; then
	ok "-lU on an existing path: status 1, file kept"
else
	fail "-lU on an existing path (status $status)"
	show "$err"
fi

# Nobody there.
timeout -k 5 5 "$EVCAT" -U "$tmp/nothing" </dev/null >/dev/null 2>"$err"
status=$?
if [ $status -eq 1 ]; then
	ok "-U to a missing socket: status 1"
else
	fail "-U to a missing socket (status $status)"
	show "$err"
fi

done_tests
