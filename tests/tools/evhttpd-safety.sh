#!/bin/sh
# Nothing outside DIR is ever served: path traversal in every encoding
# (plain, percent-encoded, mixed case, double-encoded, overlong UTF-8,
# backslashes, NUL bytes, encoded slashes), sent raw so that no client
# normalises them, each refused with 400 or 404; symbolic links leading
# out of DIR refused unless --follow-symlinks; dotfiles hidden unless
# --dotfiles.  A secret file beside DIR never appears in any reply.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evhttpd-lib.sh"
need curl

make_site

paths='/../secret.txt
/..%2fsecret.txt
/%2e%2e/secret.txt
/%2E%2E/secret.txt
/.%2e/secret.txt
/%2e./secret.txt
/%2e%2e%2fsecret.txt
/%252e%252e/secret.txt
/%252e%252e%252fsecret.txt
/..%252fsecret.txt
/%c0%ae%c0%ae/secret.txt
/%c0%ae%c0%ae%c0%afsecret.txt
/..\secret.txt
/..%5csecret.txt
/%5c..%5csecret.txt
/sub/../../secret.txt
/sub/%2e%2e/%2e%2e/secret.txt
/./../secret.txt
//../secret.txt
/sub/./../../secret.txt
/hello.txt%00.html
/%00
/..%00/secret.txt
/%2fetc%2fpasswd
//etc/passwd
/list/out-link
/list/out-dir/secret.txt
/.env
/%2eenv
/.git/config
/%2egit/config
/sub/../.git/config
/list/%2e%2e/%2e%2e/secret.txt
/%'

for m in $METHODS; do
	start_server "$m" "$www" || continue
	n=0
	echo "$paths" | while IFS= read -r p; do
		n=$((n + 1))
		printf 'GET %s HTTP/1.0\r\n\r\n' "$p" >"$tmp/req"
		raw "$tmp/req" >"$tmp/resp.$m.$n" 2>&1
		code=$(head -n 1 "$tmp/resp.$m.$n" | cut -d' ' -f2)
		if { [ "$code" = 400 ] || [ "$code" = 404 ]; } &&
		    no_secret "$tmp/resp.$m.$n"; then
			ok "$m: $p -> $code"
		else
			echo "FAIL: $m: $p -> '$code'"
			show "$tmp/resp.$m.$n"
			echo x >>"$tmp/failed"
		fi
	done
	# curl too (it normalises unless told not to).
	for p in '/../secret.txt' '/%2e%2e/secret.txt' '/list/out-link'; do
		curl -s --path-as-is --max-time 5 "$base$p" >>"$tmp/curl.$m"
	done
	no_secret "$tmp/curl.$m" && ok "$m: curl --path-as-is" ||
	    fail "$m: curl --path-as-is shows the secret"
	# The server is still fine, and the inside symlink still works.
	[ "$(curl -s --max-time 5 "$base/list/in-link")" = "hello, world" ] &&
	    ok "$m: link inside DIR served" || fail "$m: link inside DIR"
	# Escapes decode to the name; a bad one is a bad request.
	[ "$(curl -s --max-time 5 "$base/hello%2Etxt")" = "hello, world" ] &&
	    ok "$m: %2E decoded" || fail "$m: /hello%2Etxt not served"
	for p in /hello.txt%zz /hello.tx%7 /hello.txt%; do
		code=$(curl -s -o /dev/null -w '%{http_code}' --path-as-is \
		    --max-time 5 "$base$p")
		[ "$code" = 400 ] && ok "$m: $p -> 400" ||
		    fail "$m: $p -> '$code', not 400"
	done
	stop_server

	start_server "$m" --dotfiles "$www" || continue
	[ "$(curl -s --max-time 5 "$base/.env")" = "hidden $SECRET" ] &&
	    ok "$m: --dotfiles serves .env" || fail "$m: --dotfiles"
	curl -s --max-time 5 "$base/" | grep -q 'href="./.env"' &&
	    ok "$m: --dotfiles lists .env" || fail "$m: --dotfiles listing"
	code=$(curl -s --path-as-is -o /dev/null -w '%{http_code}' \
	    --max-time 5 "$base/%2e%2e/secret.txt")
	[ "$code" = 400 ] && ok "$m: --dotfiles still refuses .." ||
	    fail "$m: --dotfiles and ..: $code"
	stop_server

	start_server "$m" --follow-symlinks "$www" || continue
	[ "$(curl -s --max-time 5 "$base/list/out-link")" = "$SECRET" ] &&
	    ok "$m: --follow-symlinks follows" || fail "$m: --follow-symlinks"
	stop_server
done
[ -f "$tmp/failed" ] && failures=$((failures + $(wc -l <"$tmp/failed")))
no_secret "$tmp"/srv*.err || fail "the secret in a server's messages"

done_tests
