#!/bin/sh
# evhttpd over raw sockets, on every backend: pipelined requests answered
# in order on one connection; malformed requests get 4xx and the
# connection closed, the server lives on; an oversized head is refused; a
# client that sends its head a byte at a time is cut off by the timeout;
# a client that never reads a large file does not make the server's RSS
# grow by the file's size.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evhttpd-lib.sh"
need curl

make_site
# A 64 MiB file (sparse: the disk holds nothing).
big=$www/big.bin
truncate -s 64M "$big" 2>/dev/null ||
    dd if=/dev/zero of="$big" bs=1M count=0 seek=64 2>/dev/null

# rss_kb PID: resident set size in KiB.
rss_kb() {
	sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$1/status"
}

for m in $METHODS; do
	start_server "$m" --timeout 2 --max-header-size 1024 "$www" || continue

	# Three requests in one write; the replies come back in order.
	printf 'GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /list/a.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /list/b%%20file.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' \
	    >"$tmp/req"
	raw "$tmp/req" >"$tmp/resp"
	got=$(grep -a -c '^HTTP/1.1 200' "$tmp/resp")
	order=$(grep -a -x 'hello, world\|a\|b' "$tmp/resp" | tr -d '\r' |
	    tr '\n' ,)
	[ "$got" = 3 ] && [ "$order" = "hello, world,a,b," ] &&
	    ok "$m: 3 pipelined requests answered in order" ||
	    { fail "$m: pipelining: $got replies, order $order";
	    show "$tmp/resp"; }

	# Malformed requests: a 4xx (or 505) and the connection closed (raw returns).
	for req in 'GARBAGE\r\n\r\n' 'GET\r\n\r\n' 'GET / HTTP/9.9\r\n\r\n' \
	    'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n' \
	    'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' \
	    'GET /\001 HTTP/1.1\r\nHost: x\r\n\r\n'; do
		printf "$req" >"$tmp/req"
		start=$(now_ms)
		raw "$tmp/req" >"$tmp/resp"
		code=$(head -n 1 "$tmp/resp" | cut -d' ' -f2)
		took=$(($(now_ms) - start))
		case $code in
		4[0-9][0-9]|505) ok "$m: $(printf "%s" "$req" | tr "\\\\" / | cut -c1-40) -> $code" ;;
		*) fail "$m: $req -> '$code' (${took} ms)"; show "$tmp/resp" ;;
		esac
	done

	# An oversized head: refused (431, 413 or 400).
	perl -e 'print "GET / HTTP/1.1\r\nHost: x\r\nX-Big: ", "a" x 4000,
	    "\r\n\r\n"' >"$tmp/req"
	raw "$tmp/req" >"$tmp/resp"
	code=$(head -n 1 "$tmp/resp" | cut -d' ' -f2)
	case $code in
	4[0-9][0-9]|"") ok "$m: 4 KB header over a 1 KB limit -> '$code'" ;;
	*) fail "$m: oversized head -> $code" ;;
	esac

	# A byte every 300 ms: the 2 s timeout ends the connection before
	# the head is complete (about 6 s of bytes).
	start=$(now_ms)
	perl -MIO::Socket::INET -e '
	    $SIG{PIPE} = "IGNORE";
	    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1",
	        PeerPort => $ARGV[0]) or die;
	    my $req = "GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n\r\n";
	    for my $c (split //, $req) {
	        syswrite($s, $c) or exit 2;
	        select(undef, undef, undef, 0.3);
	        my $rin = ""; vec($rin, fileno($s), 1) = 1;
	        if (select(my $r = $rin, undef, undef, 0) > 0) {
	            my $n = sysread($s, my $buf, 4096);
	            exit($n ? 3 : 1);
	        }
	    }
	    exit 0' "$port"
	st=$?
	took=$(($(now_ms) - start))
	[ $st = 1 ] || [ $st = 2 ] || [ $st = 3 ] &&
	    [ $took -lt 9000 ] &&
	    ok "$m: byte-at-a-time client cut off after ${took} ms ($st)" ||
	    fail "$m: byte-at-a-time client not cut off ($st, ${took} ms)"

	# A client that asks for 64 MiB and never reads.
	pid=$(server_pid)
	before=$(rss_kb "$pid")
	perl -MIO::Socket::INET -e '
	    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1",
	        PeerPort => $ARGV[0]) or die;
	    setsockopt($s, Socket::SOL_SOCKET(), Socket::SO_RCVBUF(), 4096);
	    print $s "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n";
	    my $buf = ""; alarm 10;
	    sysread($s, $buf, 1024, length $buf) until $buf =~ /\r\n\r\n/;
	    $| = 1; print "started\n";
	    sleep 3; print "done\n"' "$port" >"$tmp/slow.out" &
	slow=$!
	pids="$pids $slow"
	# Once the head has come, the server has set the whole reply up:
	# a server that read the file into memory would have done it by now.
	wait_for "$tmp/slow.out" started ||
	    fail "$m: the stalled client got no reply head"
	during=$(rss_kb "$pid")
	# The server answers others meanwhile.
	[ "$(curl -s --max-time 5 "$base/hello.txt")" = "hello, world" ] &&
	    ok "$m: others served while a client stalls" ||
	    fail "$m: server stuck behind a stalled client"
	wait "$slow"
	grow=$((during - before))
	[ "$grow" -lt 16384 ] &&
	    ok "$m: stalled 64 MiB download: RSS grew ${grow} KiB" ||
	    fail "$m: stalled download: RSS grew ${grow} KiB"
	stop_server
done

done_tests
