#!/bin/sh
# A short load run on every backend: wrk with 100 connections for 2 s on
# a 1 KiB file (the cached path) and on a 1 MiB file (sendfile); every
# request must succeed: no socket errors, no non-2xx replies.
# An automake test: exit 0 pass, 1 fail, 77 skip (without wrk).

. "${top_srcdir:-.}/tests/tools/evhttpd-lib.sh"
need wrk curl

make_site

for m in $METHODS; do
	start_server "$m" "$www" || continue
	for f in 1k.bin 1m.bin; do
		timeout -k 5 15 wrk -t1 -c100 -d2s "$base/$f" >"$tmp/wrk" 2>&1
		st=$?
		reqs=$(sed -n 's/^ *\([0-9][0-9]*\) requests in .*/\1/p' "$tmp/wrk")
		if [ $st = 0 ] && [ "${reqs:-0}" -gt 0 ] &&
		    ! grep -q 'Socket errors\|Non-2xx' "$tmp/wrk"; then
			ok "$m: wrk -c100 $f: $reqs requests, no errors"
		else
			fail "$m: wrk -c100 $f (status $st)"
			show "$tmp/wrk"
		fi
	done
	# Still serving, and the content still right.
	curl -s --max-time 5 "$base/1m.bin" | cmp -s - "$www/1m.bin" &&
	    ok "$m: content intact after the load" ||
	    fail "$m: content after the load"
	stop_server
	[ "$fstatus" = 0 ] && ok "$m: clean exit" || fail "$m: status $fstatus"
done

done_tests
