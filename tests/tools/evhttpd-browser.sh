#!/bin/sh
# A real browser on every backend: headless Chromium loads a directory
# listing; the link found in the DOM it dumps is loaded in turn and gives
# the file; and a page whose script fetches the listing, follows the link
# it finds there and writes the file's text into the page is checked from
# the dumped DOM too.  The script page is loaded over HTTPS as well
# (--tls-cert, a self-signed certificate Chromium is told to accept), on
# the first backend only: evhttpd-tls.sh covers TLS on all of them.
# An automake test: exit 0 pass, 1 fail, 77 skip (without chromium).

. "${top_srcdir:-.}/tests/tools/evhttpd-lib.sh"
. "$top_srcdir/tests/tools/tls-lib.sh"
need curl
CHROMIUM=${CHROMIUM:-}
for c in chromium chromium-browser google-chrome; do
	[ -z "$CHROMIUM" ] && have "$c" && CHROMIUM=$c
done
if [ -z "$CHROMIUM" ]; then
	echo "SKIP: chromium not installed"
	exit 77
fi

make_site
tls_have_openssl && tls_self "$tmp" self "IP:127.0.0.1" || rm -f "$tmp/self.pem"
mkdir -p "$www/docs"
echo "the first document" >"$www/docs/first doc.txt"
echo "notes & more" >"$www/docs/notes.txt"
cat >"$www/follow.html" <<'HTML'
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>follow</title></head>
<body><p id="out">pending</p>
<script>
// Fetch the listing, find the link named "first doc.txt", follow it.
fetch("/docs/").then(r => r.text()).then(html => {
  const doc = new DOMParser().parseFromString(html, "text/html");
  const a = [...doc.querySelectorAll("a")]
    .find(e => e.textContent === "first doc.txt");
  const url = new URL(a.getAttribute("href"), location.origin + "/docs/");
  return fetch(url).then(r => r.text())
    .then(t => { document.getElementById("out").textContent =
      "followed " + url.pathname + ": " + t.trim(); });
}).catch(e => { document.getElementById("out").textContent = "error " + e; });
</script></body></html>
HTML

# dump URL [FLAG]: the DOM Chromium builds for URL, in $tmp/dom.
dump() {
	rm -rf "$tmp/profile"
	timeout -k 5 40 "$CHROMIUM" ${2:-} --headless --no-sandbox --disable-gpu \
	    --no-first-run --disable-extensions --disable-dev-shm-usage \
	    --user-data-dir="$tmp/profile" --virtual-time-budget=5000 \
	    --dump-dom "$1" >"$tmp/dom" 2>"$tmp/chromium.err"
}

for m in $METHODS; do
	start_server "$m" -l "$tmp/log.$m" "$www" || continue
	dump "$base/docs/"
	href=$(sed -n 's/.*<a href="\([^"]*\)">first doc.txt<\/a>.*/\1/p' \
	    "$tmp/dom" | head -n 1)
	if grep -q '<title>Index of /docs/</title>' "$tmp/dom" &&
	    [ -n "$href" ]; then
		ok "$m: Chromium shows the listing; link $href"
	else
		fail "$m: listing in Chromium"
		show "$tmp/dom" "$tmp/chromium.err"
	fi
	case $href in
	./*) url=$base/docs/${href#./} ;;
	*) url=$base/docs/$href ;;
	esac
	dump "$url"
	grep -q 'the first document' "$tmp/dom" &&
	    ok "$m: Chromium followed the link to the file" ||
	    { fail "$m: following $url"; show "$tmp/dom"; }
	dump "$base/follow.html"
	grep -q 'followed /docs/first%20doc.txt: the first document' "$tmp/dom" &&
	    ok "$m: a script follows the listing's link" ||
	    { fail "$m: script page"; show "$tmp/dom"; }
	stop_server
	grep -q '"GET /docs/first%20doc.txt HTTP/1.1" 200 ' "$tmp/log.$m" &&
	    ok "$m: the browser's requests are in the log" ||
	    { fail "$m: access log"; show "$tmp/log.$m"; }

	# The script page over HTTPS, once.
	[ -f "$tmp/self.pem" ] && [ -z "${https_done:-}" ] || continue
	https_done=1
	start_server "$m" --tls-cert "$tmp/self.pem" --tls-key "$tmp/self.key" \
	    "$www" || continue
	dump "https://127.0.0.1:$port/follow.html" --ignore-certificate-errors
	grep -q 'followed /docs/first%20doc.txt: the first document' "$tmp/dom" &&
	    ok "$m: the script page over HTTPS" ||
	    { fail "$m: script page over HTTPS"; show "$tmp/dom" "$tmp/chromium.err"; }
	stop_server
done

done_tests
