#!/bin/sh
# evdig -f against a real server (NSD, tests/tools/dns-server-lib.sh):
# 2,400 queries (200 of them NXDOMAIN) give dig -f's records in input
# order, --unordered the same lines in some order, and the summary counts
# them right, over UDP and TCP; a file ten times longer runs in the same memory (the input
# is streamed); an unreadable file exits 8.  Against a server that can
# only answer a few queries at a time and drops the rest, every query is
# answered in the end, with fewer retransmissions than queries: the
# window shrinks instead of storming the server.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evdig-lib.sh"

start_dns 2000
Z=evdig.test

awk -v z=$Z 'BEGIN {
    split("A AAAA MX TXT", t, " ")
    for (i = 0; i < 2200; i++)
	printf "h%d.%s %s\n", (i * 7) % 2000, z, t[i % 4 + 1]
    for (i = 0; i < 200; i++)
	printf "nx%d.%s\n", i, z
}' | awk 'BEGIN { srand(7) } { print rand() "\t" $0 }' | sort -n |
    cut -f2- >"$tmp/names"

# In input order, equal to dig -f's.
timeout -k 5 60 dig $S -f "$tmp/names" +noall +answer >"$tmp/want" 2>&1
timeout -k 5 60 "$EVDIG" $S -f "$tmp/names" +noall +answer \
    >"$tmp/got" 2>"$tmp/sum"
st=$?
if [ $st = 0 ] && [ -s "$tmp/want" ] && cmp -s "$tmp/got" "$tmp/want"; then
	ok "-f: 2,400 queries, dig -f's records in input order"
else
	fail "-f: status $st; differences:"
	diff "$tmp/want" "$tmp/got" | head -10
fi
if grep -q '^;; queries: 2400, answered: 2400, NOERROR: 2200, NXDOMAIN: 200,' \
    "$tmp/sum" && grep -q '^;; timeouts: 0, ' "$tmp/sum"; then
	ok "-f: the summary counts NOERROR and NXDOMAIN"
else
	fail "-f: summary"
	show "$tmp/sum"
fi

# As they come: the same lines.
timeout -k 5 60 "$EVDIG" $S -f "$tmp/names" --unordered +noall +answer \
    2>/dev/null | sort >"$tmp/got"
sort "$tmp/want" | cmp -s - "$tmp/got" &&
    ok "--unordered: the same records" || fail "--unordered"

# +short from standard input, one window of 7.
timeout -k 5 60 dig $S -f "$tmp/names" +short >"$tmp/want" 2>&1
timeout -k 5 60 "$EVDIG" $S -f - --concurrency 7 +short <"$tmp/names" \
    >"$tmp/got" 2>/dev/null
cmp -s "$tmp/got" "$tmp/want" && ok "-f - with --concurrency 7: +short" ||
    fail "-f - --concurrency 7"

# Over TCP: the queries share connections, pipelined; the same records.
timeout -k 5 60 "$EVDIG" $S -f "$tmp/names" +tcp +short >"$tmp/got" \
    2>"$tmp/sum"
if cmp -s "$tmp/got" "$tmp/want" &&
    grep -q '^;; queries: 2400, answered: 2400,' "$tmp/sum"; then
	ok "-f +tcp: the same records"
else
	fail "-f +tcp"
	show "$tmp/sum"
fi

# Flat memory: 10 times more lines, about the same peak RSS.
if [ -x /usr/bin/time ]; then
	for n in 5000 50000; do
		awk -v n=$n -v z=$Z 'BEGIN {
		    for (i = 0; i < n; i++) printf "h%d.%s\n", i % 2000, z
		}' >"$tmp/many"
		# ASan keeps freed blocks in quarantine: keep it small here.
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1 \
		    /usr/bin/time -f %M -o "$tmp/rss.$n" timeout -k 5 120 \
		    "$EVDIG" $S -f "$tmp/many" +short >/dev/null 2>&1
	done
	a=$(tail -n 1 "$tmp/rss.5000")
	b=$(tail -n 1 "$tmp/rss.50000")
	if [ -n "$a" ] && [ -n "$b" ] && [ "$b" -lt $((a + 1024)) ]; then
		ok "-f streams: peak RSS $a kB for 5,000 lines, $b kB for 50,000"
	else
		fail "-f memory: $a kB for 5,000 lines, $b kB for 50,000"
	fi
fi

# An unreadable file.
ev $S -f "$tmp/nonexistent" >/dev/null 2>"$tmp/err"
st=$?
[ $st = 8 ] && grep -q nonexistent "$tmp/err" &&
    ok "-f missing file: exit 8" || fail "-f missing file: status $st"

# A slow server: it answers at most 20 queries every 10 ms and drops
# what does not fit in a queue of 40.
need python3
cat >"$tmp/slow.py" <<'PY'
import socket, sys, time, collections
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
q = collections.deque()
got = dropped = 0
s.settimeout(0.01)
end = time.time() + float(sys.argv[1])
while time.time() < end:
    t = time.time() + 0.01
    while time.time() < t:
        try:
            data, peer = s.recvfrom(4096)
        except socket.timeout:
            break
        got += 1
        if len(q) >= 40:
            dropped += 1
            continue
        q.append((data, peer))
    for _ in range(min(20, len(q))):
        data, peer = q.popleft()
        # The question, back with QR set and no answer; NXDOMAIN.
        i = 12
        while data[i] != 0:
            i += data[i] + 1
        reply = (data[:2] + bytes([data[2] | 0x84, 0x03]) + b"\0\1\0\0\0\0\0\0"
                 + data[12:i + 5])
        s.sendto(reply, peer)
    with open(sys.argv[2], "w") as f:
        f.write("%d %d\n" % (got, dropped))
PY
bg python3 "$tmp/slow.py" 60 "$tmp/slow.count" </dev/null >"$tmp/slow.port"
wait_for "$tmp/slow.port" . || fail "the slow server did not start"
sp=$(cat "$tmp/slow.port")
awk 'BEGIN { for (i = 0; i < 1000; i++) printf "s%d.example\n", i }' \
    >"$tmp/slow.names"
timeout -k 5 60 "$EVDIG" @127.0.0.1 -p "$sp" +timeout=1 +tries=6 +short \
    -f "$tmp/slow.names" >/dev/null 2>"$tmp/sum"
st=$?
rt=$(sed -n 's/^;; timeouts: \([0-9]*\), other errors: [0-9]*, retransmissions: \([0-9]*\)$/\1 \2/p' "$tmp/sum")
if [ $st = 0 ] && grep -q '^;; queries: 1000, answered: 1000, ' "$tmp/sum" &&
    [ "${rt% *}" = 0 ] && [ "${rt#* }" -lt 1000 ]; then
	ok "slow server: 1,000 answered, $(echo $rt | cut -d' ' -f2)" \
	    "retransmissions"
else
	fail "slow server: status $st"
	show "$tmp/sum" "$tmp/slow.count"
fi

# The progress line: on stderr when it is a terminal (tmux), gone at the
# end; never in a file.
if have tmux && [ $st = 0 ]; then
	T="tmux -L evdig-batch-$$ -f /dev/null"
	rm -f "$tmp/pst"
	$T new-session -d -s p -x 150 -y 10 \
	    "timeout --foreground 60 $EVDIG @127.0.0.1 -p $sp +timeout=1 \
	    +tries=6 +short -f $tmp/slow.names >/dev/null; echo \$? >$tmp/pst; \
	    sleep 10"
	seen=0
	i=0
	while [ $i -lt 100 ] && [ ! -s "$tmp/pst" ]; do
		$T capture-pane -p -t p | grep -q 'done, [0-9]* in flight' &&
		    seen=1
		sleep 0.1
		i=$((i + 1))
	done
	wait_for "$tmp/pst" .
	$T capture-pane -p -t p >"$tmp/pane"
	$T kill-server 2>/dev/null
	if [ $seen = 1 ] && ! grep -q 'in flight' "$tmp/pane" &&
	    grep -q '^;; queries: 1000, answered: 1000' "$tmp/pane"; then
		ok "progress line on a terminal, erased at the end"
	else
		fail "progress line (seen $seen)"
		show "$tmp/pane"
	fi
	grep -q 'in flight' "$tmp/sum" && fail "progress line in a file"
fi

done_tests
