#!/bin/sh
# evcat's zero-copy paths (tools/evcat/splice.c) and what decides them:
# a pipe on stdin is copied into the socket, the socket is spliced into a
# stdout pipe or file; both directions at once with sha256 sums; a slow
# reader behind the stdout pipe; an O_APPEND stdout never spliced; and
# the batched wakeups (SO_RCVLOWAT) never holding back the last bytes
# before a pause.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evcat-lib.sh"

need sha256sum

# 100 MiB each way at once on the first backend; EVCAT_TEST_MB overrides.
MB=${EVCAT_TEST_MB:-100}
head -c $((MB * 1024 * 1024)) /dev/urandom >"$tmp/up" || exit 99
head -c $((MB * 1024 * 1024 + 12345)) /dev/urandom >"$tmp/down" || exit 99
sha_up=$(sha256sum <"$tmp/up")
sha_down=$(sha256sum <"$tmp/down")
# 16 MiB (and an odd tail) for the cases run on every backend: more than
# the pipes and socket buffers hold, enough to batch the reads.
BULK=$((16 * 1024 * 1024))
head -c $((BULK + 4321)) "$tmp/down" >"$tmp/small"
sha_small=$(sha256sum <"$tmp/small")
err=$tmp/err
err2=$tmp/err2
FAIL_SHOW="$err $err2"

first=
for m in $METHODS; do
	[ -n "$first" ] && break
	first=$m
done
[ -n "$first" ] || exit 77
E="$EVCAT --method $first"

# Both ways at once between pipes: the listener reads "down" from a pipe
# and writes what it receives into a pipe; the client reads "up" from a
# pipe and writes into a file.  -vv tells the paths chosen.
rm -f "$err" "$err2" "$tmp/lstatus"
cat "$tmp/down" | {
	timeout -k 5 $LIMIT $E -vv -l 127.0.0.1 0 2>"$err"
	echo $? >"$tmp/lstatus"
} | sha256sum >"$tmp/sum_l" &
lpid=$!
pids="$pids $lpid"
port=$(port_from "$err") || fail "no port from evcat -l"
cat "$tmp/up" | timeout -k 5 $LIMIT $E -vv 127.0.0.1 "$port" \
    >"$tmp/out_c" 2>"$err2"
cstatus=$?
finish $lpid $LIMIT
if [ $cstatus -eq 0 ] && [ "$(cat "$tmp/lstatus")" = 0 ] &&
    [ "$(cat "$tmp/sum_l")" = "$sha_up" ] &&
    [ "$(sha256sum <"$tmp/out_c")" = "$sha_down" ]; then
	ok "$first: $MB MiB each way at once, pipes and a file, sha256 equal"
else
	fail "$first: both ways (client $cstatus," \
	    "listener $(cat "$tmp/lstatus"))"
fi
if grep -q 'stdin (pipe) -> .*: readv' "$err" &&
    grep -q -- '-> stdout (pipe): splice$' "$err" &&
    grep -q -- '-> stdout (file): splice through a pipe' "$err2"; then
	ok "$first: stdin pipe copied, stdout pipe and file spliced"
else
	fail "$first: unexpected data paths"
fi

for m in $METHODS; do
	E="$EVCAT --method $m"

	# A reader that starts late behind the stdout pipe: the pump waits
	# for the pipe instead of spinning, and nothing is lost.
	rm -f "$err" "$tmp/sum_l" "$tmp/lstatus"
	{
		timeout -k 5 $LIMIT $E -l 127.0.0.1 0 </dev/null 2>"$err"
		echo $? >"$tmp/lstatus"
	} | (sleep 1 && sha256sum >"$tmp/sum_l") &
	lpid=$!
	pids="$pids $lpid"
	port=$(port_from "$err") || fail "$m: no port"
	timeout -k 5 $LIMIT $E 127.0.0.1 "$port" <"$tmp/small" 2>"$err2" ||
		fail "$m: slow reader: sender exited $?"
	finish $lpid $LIMIT
	if [ "$(cat "$tmp/lstatus")" = 0 ] &&
	    [ "$(cat "$tmp/sum_l")" = "$sha_small" ]; then
		ok "$m: slow reader behind a spliced stdout pipe, intact"
	else
		fail "$m: slow reader (status $(cat "$tmp/lstatus"))"
	fi

	# stdout opened for appending: splice(2) would refuse it, so the
	# relay copies from the start and the data lands after the old.
	printf 'old\n' >"$tmp/log"
	rm -f "$err"
	bg $E -vv -l 127.0.0.1 0 </dev/null >>"$tmp/log" 2>"$err"
	lpid=$bgpid
	port=$(port_from "$err") || fail "$m: no port"
	timeout -k 5 $LIMIT $E 127.0.0.1 "$port" <"$tmp/small" 2>"$err2"
	finish $lpid $LIMIT
	if [ $fstatus -eq 0 ] && grep -q -- '-> stdout (file): write$' "$err" &&
	    [ "$(tail -c +5 "$tmp/log" | sha256sum)" = "$sha_small" ] &&
	    [ "$(head -c 4 "$tmp/log")" = "old" ]; then
		ok "$m: >> file copied, not spliced, appended intact"
	else
		fail "$m: >> file (status $fstatus)"
	fi

	# Bulk, then a few bytes and a pause with the connection open: the
	# receiver batches its wakeups during the bulk, and the last bytes
	# (under the batch size) still arrive while the sender waits.
	rm -f "$err" "$err2" "$tmp/go" "$tmp/tail"
	bg $E -vv -l 127.0.0.1 0 </dev/null >"$tmp/tail" 2>"$err"
	lpid=$bgpid
	port=$(port_from "$err") || fail "$m: no port"
	# The sender holds the connection until told (30 s at most).
	(head -c $BULK "$tmp/up" && printf 'LAST\n' &&
	    poll_until 300 test -e "$tmp/go") |
	    timeout -k 5 $LIMIT $E 127.0.0.1 "$port" 2>"$err2" &
	cpid=$!
	pids="$pids $cpid"
	want=$((BULK + 5))
	if wait_size "$tmp/tail" $want && exited $cpid; then
		fail "$m: pause: the sender left early"
	elif size_reached "$tmp/tail" $want; then
		ok "$m: the last bytes before a pause arrive"
	else
		fail "$m: pause: $(wc -c <"$tmp/tail") of $want bytes"
	fi
	grep -q 'socket reads batched' "$err" ||
		fail "$m: the bulk transfer did not batch the reads"
	echo go >"$tmp/go"
	finish $cpid $LIMIT
	finish $lpid $LIMIT
	if [ "$(head -c $BULK "$tmp/tail" | sha256sum)" = \
	    "$(head -c $BULK "$tmp/up" | sha256sum)" ] &&
	    [ "$(tail -c 5 "$tmp/tail")" = "LAST" ]; then
		ok "$m: pause: data intact"
	else
		fail "$m: pause: data differs"
	fi
done

done_tests
