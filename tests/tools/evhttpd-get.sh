#!/bin/sh
# evhttpd with curl, on every backend: GET and HEAD of small and large
# files, MIME types, index.html and the /dir -> /dir/ redirect, the
# listing (sorted, escaped), 405 with Allow, Range (single, suffix,
# multiple as multipart/byteranges, unsatisfiable, If-Range), ETag and
# Last-Modified with 304s, the .gz variant with Vary, keep-alive reuse of
# one connection, -H, --cache-control, --no-listing and the access log.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evhttpd-lib.sh"
need curl gzip cmp

make_site

# check LABEL: ok when the command before it succeeded, else fail with
# the reply shown.
check() {
	if [ $? = 0 ]; then
		ok "$m: $1"
	else
		fail "$m: $1"
		show "$tmp/h"
		head -c 300 "$tmp/b"
		echo
	fi
}

t_files() {
	st=$(get "$base/hello.txt")
	[ "$st" = 200 ] && cmp -s "$tmp/b" "$www/hello.txt"
	check "GET small file"
	sh -c "grep -qi '^content-type: text/plain' '$tmp/h'"
	check "text/plain type"
	st=$(get "$base/1m.bin")
	\
	    [ "$st" = 200 ] && cmp -s "$tmp/b" "$www/1m.bin"
	check "GET 1 MiB file (sendfile path)"
	[ "$(header Content-Length)" = 1048576 ]
	check "Content-Length of 1 MiB"
	st=$(get -I "$base/1m.bin")
	[ "$st" = 200 ] &&
	    [ "$(header Content-Length)" = 1048576 ] && cmp -s "$tmp/b" "$tmp/h"
	check "HEAD: length, no body"
	# HEAD on a raw socket: nothing may follow the head.
	printf 'HEAD /hello.txt HTTP/1.0\r\n\r\n' >"$tmp/req"
	raw "$tmp/req" >"$tmp/resp"
	\
	    [ "$(sed -n '/^\r$/,$p' "$tmp/resp" | wc -c)" = 2 ]
	check "HEAD: no body on the wire"
	st=$(get "$base/style.css")
	[ "$(header Content-Type | cut -d';' -f1)" = text/css ]
	check "text/css type"
	st=$(get "$base/nope.txt")
	[ "$st" = 404 ]
	check "404"
	st=$(get "$base/hello.txt/")
	[ "$st" = 404 ]
	check "file with a slash: 404"
	st=$(get -X POST -d x=1 "$base/hello.txt")
	[ "$st" = 405 ] &&
	    [ "$(header Allow)" = "GET, HEAD" ]
	check "POST: 405 + Allow"
	st=$(get -X DELETE "$base/hello.txt")
	[ "$st" = 405 ]
	check "DELETE: 405"
}

t_dirs() {
	st=$(get "$base/sub?x=1")
	[ "$st" = 301 ] &&
	    [ "$(header Location)" = "/sub/?x=1" ]
	check "/sub -> 301 /sub/"
	printf 'GET //sub HTTP/1.0\r\n\r\n' >"$tmp/req"
	raw "$tmp/req" | tr -d '\r' >"$tmp/resp"
	# evhttp may refuse "//sub" (400); a redirect must stay on this host.
	head -n 1 "$tmp/resp" | grep -q ' 400 ' ||
	    grep -qx 'Location: /sub/' "$tmp/resp"
	check "//sub: 400, or 301 to /sub/, never to //sub/ (another host)"
	st=$(get -L "$base/sub")
	[ "$st" = 200 ] && grep -q 'sub index' "$tmp/b"
	check "index.html"
	st=$(get "$base/list/")
	[ "$st" = 200 ] &&
	    header Content-Type | grep -q '^text/html'
	check "listing: 200 html"
	grep -q '&lt;c&amp;d&gt;.txt' "$tmp/b"
	check "listing: names escaped"
	grep -q 'href="./%3Cc%26d%3E.txt"' "$tmp/b"
	check "listing: links encoded"
	grep -q 'href="./%2541.txt"' "$tmp/b"
	check "listing: %41.txt as itself"
	grep -o 'href="[^"]*"' "$tmp/b" | sed 's/^href="//; s/"$//' \
	    >"$tmp/order"
	# ../, then the directories, then the files, each sorted bytewise.
	[ "$(head -n 1 "$tmp/order")" = "../" ] &&
	    sed -n '/[^/]$/p' "$tmp/order" | LC_ALL=C sort -c &&
	    [ "$(sed -n '/[^/]$/p' "$tmp/order" | wc -l)" -ge 5 ]
	check "listing: sorted"
	! grep -q '\.env\|\.git\|out-link\|out-dir' "$tmp/b"
	check "listing: no dotfiles, no links out"
	st=$(get "$base/list/%3Cc%26d%3E.txt")
	[ "$st" = 200 ] && [ "$(cat "$tmp/b")" = c ]
	check "encoded name"
	st=$(get "$base/list/%2541.txt")
	[ "$st" = 200 ] && [ "$(cat "$tmp/b")" = e ]
	check "percent in a name"
	st=$(get "$base/list/b%20file.txt")
	[ "$st" = 200 ] && [ "$(cat "$tmp/b")" = b ]
	check "space in a name"
	st=$(get "$base/list/in-link")
	[ "$st" = 200 ] &&
	    cmp -s "$tmp/b" "$www/hello.txt"
	check "symlink inside dir"
}

t_ranges() {
	st=$(get -r 0-9 "$base/1k.bin")
	head -c 10 "$www/1k.bin" >"$tmp/want"
	[ "$st" = 206 ] &&
	    cmp -s "$tmp/b" "$tmp/want" &&
	    [ "$(header Content-Range)" = "bytes 0-9/1024" ]
	check "Range 0-9 (cached file)"
	st=$(get -r 1000000- "$base/1m.bin")
	tail -c 48576 "$www/1m.bin" >"$tmp/want"
	[ "$st" = 206 ] &&
	    cmp -s "$tmp/b" "$tmp/want"
	check "Range 1000000- (sendfile)"
	st=$(get -r -100 "$base/1m.bin")
	tail -c 100 "$www/1m.bin" >"$tmp/want"
	[ "$st" = 206 ] && cmp -s "$tmp/b" "$tmp/want" &&
	    [ "$(header Content-Range)" = "bytes 1048476-1048575/1048576" ]
	check "suffix Range -100"
	for f in 1k.bin 1m.bin; do
		st=$(get -r 0-1,10-19 "$base/$f")
		b=$(header Content-Type | sed -n 's/.*boundary=//p')
		[ "$st" = 206 ] &&
		    [ -n "$b" ] && grep -aq -- "--$b--" "$tmp/b" &&
		    grep -aq "Content-Range: bytes 0-1/" "$tmp/b" &&
		    grep -aq "Content-Range: bytes 10-19/" "$tmp/b" &&
		    [ "$(header Content-Length)" = "$(wc -c <"$tmp/b" | tr -d ' ')" ]
		check "multiple ranges of $f: multipart"
	done
	# The parts' bytes, cut out of the multipart body.
	dd if="$www/1m.bin" bs=1 skip=10 count=10 2>/dev/null >"$tmp/want"
	perl -0777 -ne 'print $1 if /bytes 10-19\/\d+\r\n\r\n(.{10})\r\n/s' \
	    "$tmp/b" >"$tmp/part"
	cmp -s "$tmp/part" "$tmp/want"
	check "multipart part bytes"
	st=$(get -r 5000000-6000000 "$base/1m.bin")
	[ "$st" = 416 ] &&
	    [ "$(header Content-Range)" = "bytes */1048576" ]
	check "unsatisfiable: 416"
	st=$(get -H 'Range: bytes=9-3' "$base/1k.bin")
	[ "$st" = 200 ]
	check "invalid range ignored: 200"
	st=$(get -H 'Range: bytes=0-0' -H 'If-Range: "nope"' "$base/1k.bin")
	[ "$st" = 200 ] &&
	    cmp -s "$tmp/b" "$www/1k.bin"
	check "If-Range mismatch: 200 whole"
	get "$base/1k.bin" >/dev/null
	etag=$(header ETag)
	st=$(get -H 'Range: bytes=0-0' -H "If-Range: $etag" "$base/1k.bin")
	[ "$st" = 206 ]
	check "If-Range match: 206"
}

t_conditional() {
	get "$base/hello.txt" >/dev/null
	etag=$(header ETag)
	lm=$(header Last-Modified)
	[ -n "$etag" ] && [ -n "$lm" ]
	check "ETag and Last-Modified"
	st=$(get -H "If-None-Match: $etag" "$base/hello.txt")
	[ "$st" = 304 ] && [ ! -s "$tmp/b" ]
	check "If-None-Match: 304"
	st=$(get -H "If-None-Match: \"x\", W/$etag" "$base/hello.txt")
	[ "$st" = 304 ]
	check "If-None-Match list, weak: 304"
	st=$(get -H 'If-None-Match: "other"' "$base/hello.txt")
	[ "$st" = 200 ]
	check "If-None-Match other: 200"
	st=$(get -H "If-Modified-Since: $lm" "$base/hello.txt")
	[ "$st" = 304 ]
	check "If-Modified-Since: 304"
	st=$(get -H "If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT" \
	    "$base/hello.txt")
	[ "$st" = 200 ]
	check "If-Modified-Since older: 200"
	st=$(get -z "$www/hello.txt" "$base/1m.bin")
	[ "$st" = 304 ] || [ "$st" = 200 ]
	check "curl -z on the large file"
}

t_gzip() {
	st=$(get -H 'Accept-Encoding: gzip' "$base/page.txt")
	[ "$st" = 200 ] && cmp -s "$tmp/b" "$www/page.txt.gz" &&
	    [ "$(header Content-Encoding)" = gzip ] &&
	    [ "$(header Vary)" = Accept-Encoding ] &&
	    header Content-Type | grep -q '^text/plain'
	check "gzip variant"
	st=$(get --compressed "$base/page.txt")
	[ "$(cat "$tmp/b")" = "compressed text" ]
	check "curl --compressed decodes it"
	st=$(get -H 'Accept-Encoding: gzip;q=0, br' "$base/page.txt")
	cmp -s "$tmp/b" "$www/page.txt" &&
	    [ -z "$(header Content-Encoding)" ] &&
	    [ "$(header Vary)" = Accept-Encoding ]
	check "gzip;q=0: plain"
	st=$(get "$base/page.txt")
	cmp -s "$tmp/b" "$www/page.txt"
	check "no Accept-Encoding: plain"
}

t_keepalive() {
	curl -sv --max-time 5 -o /dev/null -o /dev/null -o /dev/null \
	    "$base/hello.txt" "$base/1m.bin" "$base/list/" 2>"$tmp/v"
	\
	    [ "$(grep -c 'Re-using\|Reusing' "$tmp/v")" -ge 2 ] &&
	    [ "$(grep -c '^\* Connected to\|^\* Connection #0 to host .* left intact' "$tmp/v")" -ge 1 ]
	check "keep-alive: one connection for 3 URLs"
}

# A large file kept open by the cache: replaced, the new one is served
# once the cache looks again (at most a second later).
t_replaced() {
	head -c 200000 /dev/urandom >"$www/swap.bin"
	st=$(get "$base/swap.bin")
	[ "$st" = 200 ] && cmp -s "$tmp/b" "$www/swap.bin"
	check "large file served"
	head -c 150000 /dev/urandom >"$tmp/swap.new"
	cp "$tmp/swap.new" "$tmp/swap.want"
	mv "$tmp/swap.new" "$www/swap.bin"
	i=0
	while [ $i -lt 40 ]; do
		st=$(get "$base/swap.bin")
		cmp -s "$tmp/b" "$tmp/swap.want" && break
		# Meanwhile: the old file whole, never a mix.
		[ "$st" = 200 ] && [ "$(wc -c <"$tmp/b")" -eq 200000 ] || break
		i=$((i + 1))
		sleep 0.1
	done
	cmp -s "$tmp/b" "$tmp/swap.want"
	check "replaced large file: the new content"
	rm -f "$www/swap.bin" "$tmp/swap.want"
}

for m in $METHODS; do
	start_server "$m" -l "$tmp/access.$m" -H 'X-Test: yes' \
	    --cache-control 'max-age=60' "$www" || continue
	t_files
	t_dirs
	t_ranges
	t_conditional
	t_gzip
	t_keepalive
	t_replaced
	get "$base/hello.txt" >/dev/null
	[ "$(header X-Test)" = yes ] &&
	    [ "$(header Cache-Control)" = max-age=60 ]
	check "-H and --cache-control"
	get -A 'agent "q"' -e http://ref/ "$base/hello.txt?x" >/dev/null
	stop_server
	[ "$fstatus" = 0 ] || { echo "status $fstatus"; cat "$srv_err"; false; }
	check "exit 0 on SIGTERM"
	grep -q \
	    '^127\.0\.0\.1 - - \[[0-9]*/[A-Z][a-z]*/[0-9]*:[0-9:]* [-+][0-9]*\] "GET /hello.txt?x HTTP/1.1" 200 13 "http://ref/" "agent \\x22q\\x22"$' \
	    "$tmp/access.$m"
	check "access log: combined format"
	grep -q '"HEAD /1m.bin HTTP/1.1" 200 0 ' \
	    "$tmp/access.$m"
	check "access log: 404 and HEAD"

	start_server "$m" --no-listing "$www" || continue
	st=$(get "$base/list/")
	[ "$st" = 403 ]
	check "--no-listing: 403"
	st=$(get "$base/sub/")
	[ "$st" = 200 ]
	check "--no-listing: index.html still served"
	stop_server
done

done_tests
