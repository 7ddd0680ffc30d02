#!/bin/sh
# evhttpd's operations, on every backend: SIGHUP reopens the access log
# (rotation); SIGTERM lets a download in flight finish, then exits 0 and
# accepts nothing more; --daemon with --pidfile; --threads 2 serves on
# one port; --max-conns holds new clients in the backlog until a slot
# frees.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evhttpd-lib.sh"
need curl

make_site
head -c 8388608 /dev/urandom >"$www/8m.bin"

for m in $METHODS; do
	# SIGHUP: the log moved away is left alone, a new one is started.
	start_server "$m" -l "$tmp/log.$m" "$www" || continue
	curl -s --max-time 5 -o /dev/null "$base/hello.txt?one"
	wait_for "$tmp/log.$m" 'one' || fail "$m: first log line not written"
	mv "$tmp/log.$m" "$tmp/log.$m.1"
	kill -HUP "$(server_pid)"
	wait_for "$tmp/log.$m" '^$' 2>/dev/null
	poll_until 50 test -e "$tmp/log.$m"
	curl -s --max-time 5 -o /dev/null "$base/hello.txt?two"
	wait_for "$tmp/log.$m" 'two' && ! grep -q two "$tmp/log.$m.1" &&
	    grep -q one "$tmp/log.$m.1" && ok "$m: SIGHUP reopens the log" ||
	    fail "$m: SIGHUP did not reopen the log"

	# SIGTERM during a slow download: it completes, then the exit.
	: >"$tmp/dl.$m"
	curl -s --max-time 15 --limit-rate 4M -o "$tmp/dl.$m" "$base/8m.bin" &
	dl=$!
	pids="$pids $dl"
	wait_size "$tmp/dl.$m" 1000000 || fail "$m: download did not start"
	kill -TERM "$(server_pid)"
	wait_for "$srv_err" 'stopping' || fail "$m: no word of stopping"
	code=$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' \
	    "$base/hello.txt")
	[ "$code" = 000 ] && ok "$m: stopping: no new requests" ||
	    fail "$m: stopping: a new request got $code"
	wait "$dl"
	cmp -s "$tmp/dl.$m" "$www/8m.bin" &&
	    ok "$m: SIGTERM: the download in flight completed" ||
	    fail "$m: SIGTERM cut the download ($(wc -c <"$tmp/dl.$m") bytes)"
	finish "$srv" 20
	[ "$fstatus" = 0 ] && ok "$m: exit 0 after SIGTERM" ||
	    fail "$m: status $fstatus after SIGTERM"

	# SIGTERM as soon as "listening on" is out: already caught.
	start_server "$m" "$www" || continue
	stop_server
	[ "$fstatus" = 0 ] && ok "$m: SIGTERM at once after listening: exit 0" ||
	    fail "$m: SIGTERM at once after listening: status $fstatus"

	# --daemon --pidfile: the parent returns at once, the child serves.
	rm -f "$tmp/pid"
	timeout -k 5 10 "$EVHTTPD" --method "$m" -p 0 --daemon \
	    --pidfile "$tmp/pid" "$www" </dev/null 2>"$tmp/d.err"
	st=$?
	dpid=$(cat "$tmp/pid" 2>/dev/null)
	[ -n "$dpid" ] && pids="$pids $dpid"
	p=$(port_from "$tmp/d.err")
	if [ $st = 0 ] && [ -n "$dpid" ] && kill -0 "$dpid" &&
	    [ "$(curl -s --max-time 5 "http://127.0.0.1:$p/hello.txt")" = \
	    "hello, world" ]; then
		ok "$m: --daemon --pidfile serves (pid $dpid)"
	else
		fail "$m: --daemon: status $st, pid '$dpid', port '$p'"
		show "$tmp/d.err"
	fi
	if [ -n "$dpid" ]; then
		kill "$dpid"
		poll_until 50 sh -c "! kill -0 $dpid 2>/dev/null"
		[ ! -e "$tmp/pid" ] && ok "$m: pidfile removed at exit" ||
		    fail "$m: pidfile left behind"
	fi

	# --threads 2: both loops serve; 200 requests over 20 connections.
	start_server "$m" --threads 2 "$www" || continue
	set --
	for u in hello.txt 1k.bin 1m.bin list/ page.txt sub/ hello.txt 1k.bin \
	    style.css list/a.txt; do
		set -- "$@" -o /dev/null "$base/$u"
	done
	n=$(fan_out 20 "$@")
	[ "$n" = 200 ] && ok "$m: --threads 2: 200 of 200 requests" ||
	    fail "$m: --threads 2: $n of 200"
	stop_server
	[ "$fstatus" = 0 ] && ok "$m: --threads 2 stops on SIGTERM" ||
	    fail "$m: --threads 2: status $fstatus"

	# --max-conns 2: two idle keep-alive clients hold both slots.
	start_server "$m" --max-conns 2 "$www" || continue
	perl -MIO::Socket::INET -e '
	    $| = 1;
	    my @s;
	    for (1 .. 2) {
	        my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1",
	            PeerPort => $ARGV[0]) or die;
	        print $s "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n";
	        my $buf = ""; alarm 5;
	        sysread($s, $buf, 4096, length $buf) until $buf =~ /world/;
	        push @s, $s;
	    }
	    print "held\n";
	    sleep 3;' "$port" >"$tmp/held.$m" &
	holder=$!
	pids="$pids $holder"
	wait_for "$tmp/held.$m" held
	code=$(curl -s --max-time 1 -o /dev/null -w '%{http_code}' \
	    "$base/hello.txt")
	[ "$code" = 000 ] && ok "$m: --max-conns 2: a third client waits" ||
	    fail "$m: --max-conns 2: third client got $code"
	code=$(curl -s --max-time 20 -o /dev/null -w '%{http_code}' \
	    "$base/hello.txt")
	[ "$code" = 200 ] && ok "$m: --max-conns 2: served once one left" ||
	    fail "$m: --max-conns 2: after the holders left: $code"
	wait "$holder"
	stop_server
done

done_tests
