# A real DNS server (NSD) for the evdig tests and bench/evdig-batch;
# sourced, not run.  Needs only sh, awk, perl and nsd.
#
#   dns_zone DIR NHOSTS        write DIR/evdig.test.zone (and the reverse
#                              zones): every record type evdig prints, NHOSTS
#                              hosts h0..h<N-1> with A, AAAA, MX and TXT
#   dns_server_start DIR       start nsd on 127.0.0.1 and a free port with
#                              the zones in DIR; sets $dns_port, $dns_pid
#                              (DNS_EXTRA_ADDRESS=ADDR@PORT: one more
#                              address, for clients that cannot be told a
#                              port, such as adnshost; DNS_EXTRA_CONF:
#                              more lines for the server: clause, such as
#                              evdig-tls.sh's tls-port and keys)
#   dns_server_stop            stop it (by PID); dns_server_start installs
#                              nothing in a trap, the caller's cleanup calls it
#   dns_queries DIR            how many queries it received so far
#
# The zone (origin evdig.test.):
#   h<i>                A, AAAA, MX, TXT (the bulk names; h<i> has no SRV:
#                       a NODATA name)
#   t-<type>            one RRset of each type (t-a, t-aaaa, ..., t-https,
#                       t-unknown: TYPE65280 in RFC 3597 form); NS is the
#                       apex's, and NSEC3 is missing: NSD answers no
#                       query for an NSEC3 record
#   c1 -> c2 -> c3 -> c4 CNAME chain, c4 has A
#   dn                  DNAME to h0's zone part: x.dn -> x.target
#   big                 TXT RRset of about 700 bytes (over 512: a UDP reply
#                       without EDNS truncates, TCP must follow)
#   huge                TXT RRset of about 2,000 bytes (over 1232)
#   child               delegation: NS ns.child, glue A
#   nodata              only TXT (ask A: NODATA)
#   (anything else)     NXDOMAIN
# Reverse zones: 10.in-addr.arpa. (h<i> is 10.0.x.y) and
# 8.b.d.0.1.0.0.2.ip6.arpa. (2001:db8::x:y).

DNS_ZONE=evdig.test

# dns_zone DIR NHOSTS
dns_zone() {
	dz_dir=$1
	dz_n=${2:-2000}
	mkdir -p "$dz_dir" || return 1
	{
		cat <<'EOF'
$ORIGIN evdig.test.
$TTL 3600
@	IN SOA ns1.evdig.test. hostmaster.evdig.test. 2026120701 7200 3600 1209600 300
@	IN NS ns1.evdig.test.
ns1	IN A 127.0.0.1
t-a	IN A 192.0.2.1
t-a	IN A 192.0.2.2
t-aaaa	IN AAAA 2001:db8::1
t-cname	IN CNAME t-a.evdig.test.
t-dname	IN DNAME example.net.
t-mx	IN MX 10 mail.evdig.test.
t-mx	IN MX 20 mail2.evdig.test.
t-txt	IN TXT "hello world" "second string"
t-txt	IN TXT "quote \" backslash \\ semicolon ; tab\009end \200\255"
t-ptr	IN PTR h0.evdig.test.
t-srv	IN SRV 10 60 5060 sip.evdig.test.
t-caa	IN CAA 0 issue "letsencrypt.org"
t-caa	IN CAA 128 iodef "mailto:security@evdig.test"
t-naptr	IN NAPTR 100 10 "U" "E2U+sip" "!^.*$!sip:info@evdig.test!" .
t-naptr	IN NAPTR 102 10 "S" "SIP+D2U" "" _sip._udp.evdig.test.
t-sshfp	IN SSHFP 4 2 6e2ab0e2f3b1cb7b6c0b2c8c6e5b8e1f3b9a0f1e2d3c4b5a69788796a5b4c3d2
t-ds	IN DS 12345 13 2 3c4b5a69788796a5b4c3d26e2ab0e2f3b1cb7b6c0b2c8c6e5b8e1f3b9a0f1e2d
t-dnskey	IN DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==
t-rrsig	IN RRSIG A 13 3 3600 20300101000000 20260101000000 12345 evdig.test. oJB1W6WNGv+ldvQ3WDG0MQkg5IEhjRip8WTrPYGv07h108dUKGMeDPKijVCHX3DDKdfb+v6oB9wfuh3DTJXUAfI=
t-nsec	IN NSEC t-nsec3.evdig.test. A RRSIG NSEC TYPE65280
t-tlsa	IN TLSA 3 1 1 0c72ac70b745ac19998811b131d662c9ac69dbdbe7cb23e5b514b56664c5d3d6
t-svcb	IN SVCB 1 svc.evdig.test. alpn=h2,h3 port=8443 ipv4hint=192.0.2.7
t-svcb	IN SVCB 0 target.evdig.test.
t-https	IN HTTPS 1 . alpn=h2 ipv6hint=2001:db8::7
t-unknown	IN TYPE65280 \# 4 0a0b0c0d
c1	IN CNAME c2
c2	IN CNAME c3
c3	IN CNAME c4
c4	IN A 192.0.2.44
dn	IN DNAME target.evdig.test.
x.target	IN A 192.0.2.55
nodata	IN TXT "only text here"
child	IN NS ns.child
ns.child	IN A 127.0.0.2
EOF
		# Over 512 bytes: 10 strings of 60 characters.
		awk 'BEGIN {
		    s = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX"
		    for (i = 0; i < 10; i++)
			printf "big\tIN TXT \"%02d-%s\"\n", i, s
		    for (i = 0; i < 30; i++)
			printf "huge\tIN TXT \"%02d-%s\"\n", i, s
		}'
		awk -v n="$dz_n" 'BEGIN {
		    for (i = 0; i < n; i++) {
			x = int(i / 256); y = i % 256
			printf "h%d\tIN A 10.0.%d.%d\n", i, x, y
			printf "h%d\tIN AAAA 2001:db8::%x:%x\n", i, x, y
			printf "h%d\tIN MX 10 mx%d.evdig.test.\n", i, i % 7
			printf "h%d\tIN TXT \"host %d\"\n", i, i
		    }
		}'
	} >"$dz_dir/evdig.test.zone" || return 1
	{
		printf '$ORIGIN 10.in-addr.arpa.\n$TTL 3600\n'
		printf '@ IN SOA ns1.evdig.test. hostmaster.evdig.test. '
		printf '1 7200 3600 1209600 300\n@ IN NS ns1.evdig.test.\n'
		awk -v n="$dz_n" 'BEGIN {
		    for (i = 0; i < n; i++)
			printf "%d.%d.0 IN PTR h%d.evdig.test.\n",
			    i % 256, int(i / 256), i
		}'
	} >"$dz_dir/10.in-addr.arpa.zone" || return 1
	{
		printf '$ORIGIN 8.b.d.0.1.0.0.2.ip6.arpa.\n$TTL 3600\n'
		printf '@ IN SOA ns1.evdig.test. hostmaster.evdig.test. '
		printf '1 7200 3600 1209600 300\n@ IN NS ns1.evdig.test.\n'
		# 2001:db8::x:y, x and y as 4 nibbles each, reversed.
		awk -v n="$dz_n" 'BEGIN {
		    for (i = 0; i < n && i < 4096; i++) {
			h = sprintf("%04x%04x", int(i / 256), i % 256)
			r = ""
			for (j = 8; j >= 1; j--)
				r = r substr(h, j, 1) "."
			printf "%s0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 IN PTR h%d.evdig.test.\n", r, i
		    }
		}'
	} >"$dz_dir/ip6.zone" || return 1
}

# dns_free_port: a port on 127.0.0.1 free for both UDP and TCP just now.
dns_free_port() {
	perl -MSocket -e '
	    for (1 .. 50) {
		socket(my $u, PF_INET, SOCK_DGRAM, 0) or die "socket: $!";
		bind($u, pack_sockaddr_in(0, inet_aton("127.0.0.1")))
		    or die "bind: $!";
		my ($port) = unpack_sockaddr_in(getsockname($u));
		socket(my $t, PF_INET, SOCK_STREAM, 0) or die "socket: $!";
		if (bind($t, pack_sockaddr_in($port, inet_aton("127.0.0.1")))) {
			print "$port\n";
			exit 0;
		}
	    }
	    exit 1;'
}

# dns_conf DIR PORT: nsd.conf for the zones in DIR.
dns_conf() {
	cat >"$1/nsd.conf" <<EOF
server:
	ip-address: 127.0.0.1@$2${DNS_EXTRA_ADDRESS:+
	ip-address: $DNS_EXTRA_ADDRESS}
	port: $2
	do-ip6: no
	username: ""
	chroot: ""
	zonesdir: "$1"
	pidfile: "$1/nsd.pid"
	database: ""
	zonelistfile: "$1/zone.list"
	xfrdfile: "$1/xfrd.state"
	xfrdir: "$1"
	logfile: "$1/nsd.log"
	server-count: 1
	verbosity: 1
	hide-version: yes
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
	tcp-count: 256
	tcp-query-count: 0${DNS_EXTRA_CONF:+
$DNS_EXTRA_CONF}
remote-control:
	control-enable: yes
	control-interface: "$1/nsd.ctl"
zone:
	name: evdig.test
	zonefile: evdig.test.zone
zone:
	name: 10.in-addr.arpa
	zonefile: 10.in-addr.arpa.zone
zone:
	name: 8.b.d.0.1.0.0.2.ip6.arpa
	zonefile: ip6.zone
EOF
}

# dns_answers PORT: whether the server on PORT answers (SOA of the zone).
dns_answers() {
	dig @127.0.0.1 -p "$1" +time=1 +tries=1 +short "$DNS_ZONE" SOA \
	    2>/dev/null | grep -q hostmaster
}

# dns_server_start DIR: nsd for DIR's zones; $dns_port and $dns_pid.
# Another program may take the port between the check and nsd's bind, so
# a start that fails to bind is tried again on another port.
dns_server_start() {
	ds_dir=$1
	dns_pid=
	dns_port=
	for ds_try in 1 2 3 4 5; do
		ds_port=$(dns_free_port) || return 1
		dns_conf "$ds_dir" "$ds_port"
		rm -f "$ds_dir/nsd.log"
		timeout -k 5 "${DNS_SERVER_LIMIT:-3600}" nsd -d -c "$ds_dir/nsd.conf" \
		    >"$ds_dir/nsd.out" 2>&1 &
		dns_pid=$!
		ds_i=0
		while [ $ds_i -lt 100 ]; do
			if ! kill -0 "$dns_pid" 2>/dev/null; then
				break # exited: most likely the port was taken
			fi
			if dns_answers "$ds_port"; then
				dns_port=$ds_port
				return 0
			fi
			sleep 0.1
			ds_i=$((ds_i + 1))
		done
		dns_server_stop
	done
	echo "dns-server-lib: nsd did not start:" >&2
	cat "$ds_dir/nsd.out" "$ds_dir/nsd.log" >&2 2>/dev/null
	return 1
}

# dns_queries DIR: queries the server received so far (UDP and TCP),
# from nsd-control over the unix socket in DIR.
dns_queries() {
	nsd-control -c "$1/nsd.conf" stats_noreset 2>/dev/null |
	    sed -n 's/^num\.queries=//p'
}

dns_server_stop() {
	if [ -n "$dns_pid" ]; then
		kill "$dns_pid" 2>/dev/null
		wait "$dns_pid" 2>/dev/null
	fi
	dns_pid=
}
