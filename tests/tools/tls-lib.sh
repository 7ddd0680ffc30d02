# Certificates for the TLS tests; sourced, not run.  Needs openssl(1).
#
# Everything is made fresh in a directory the test owns (usually $tmp), so
# no private key is ever committed.  Keys are P-256: quick to make.
#
#   tls_ca DIR [NAME]       a self-signed CA: DIR/NAME.pem, DIR/NAME.key
#                           (NAME defaults to "ca")
#   tls_cert DIR NAME CA SAN [expired]
#                           a server certificate DIR/NAME.pem (leaf only),
#                           DIR/NAME.key and DIR/NAME-chain.pem (leaf +
#                           CA), signed by DIR/CA.pem, for the
#                           subjectAltName SAN, for example
#                           "DNS:localhost,IP:127.0.0.1"; with "expired",
#                           valid for one day in 2020 only
#   tls_self DIR NAME SAN   a self-signed server certificate (not from a CA)
#   tls_standard DIR        the usual set: ca, good (localhost and
#                           127.0.0.1), wrongname (only other.invalid),
#                           expired (localhost and 127.0.0.1, 2020),
#                           self (self-signed, localhost and 127.0.0.1)
#
# Each returns non-zero, with openssl's messages on stderr, on failure.

tls_have_openssl() {
	command -v openssl >/dev/null 2>&1
}

tls_ca() {
	local dir=$1 name=${2:-ca}
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-nodes -keyout "$dir/$name.key" -out "$dir/$name.pem" \
		-days 30 -subj "/CN=evkit test CA $name" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		2>"$dir/$name.log" || {
		cat "$dir/$name.log" >&2
		return 1
	}
}

tls_cert() {
	local dir=$1 name=$2 ca=$3 san=$4 when=${5:-}
	local ext="$dir/$name.ext"

	printf '%s\n' \
		"basicConstraints=critical,CA:FALSE" \
		"keyUsage=critical,digitalSignature,keyEncipherment" \
		"extendedKeyUsage=serverAuth,clientAuth" \
		"subjectAltName=$san" >"$ext"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$dir/$name.key" -out "$dir/$name.csr" \
		-subj "/CN=evkit test $name" 2>"$dir/$name.log" || {
		cat "$dir/$name.log" >&2
		return 1
	}
	if [ "$when" = expired ]; then
		# openssl x509 cannot date a certificate in the past; openssl
		# ca can, with a throw-away database.
		local db="$dir/$name.cadb"
		mkdir -p "$db" && : >"$db/index.txt" &&
			printf '%s\n' \
				"[ca]" "default_ca=c" \
				"[c]" "database=$db/index.txt" \
				"new_certs_dir=$db" "serial=$db/serial" \
				"default_md=sha256" "policy=p" "unique_subject=no" \
				"[p]" "commonName=supplied" >"$db/ca.cnf" &&
			echo 01 >"$db/serial" &&
			openssl ca -batch -config "$db/ca.cnf" -notext \
				-cert "$dir/$ca.pem" -keyfile "$dir/$ca.key" \
				-in "$dir/$name.csr" -out "$dir/$name.pem" \
				-startdate 20200101000000Z \
				-enddate 20200102000000Z \
				-extfile "$ext" 2>"$dir/$name.log" || {
			cat "$dir/$name.log" >&2
			return 1
		}
	else
		openssl x509 -req -in "$dir/$name.csr" -CA "$dir/$ca.pem" \
			-CAkey "$dir/$ca.key" -CAcreateserial -days 30 \
			-sha256 -extfile "$ext" -out "$dir/$name.pem" \
			2>"$dir/$name.log" || {
			cat "$dir/$name.log" >&2
			return 1
		}
	fi
	cat "$dir/$name.pem" "$dir/$ca.pem" >"$dir/$name-chain.pem"
}

tls_self() {
	local dir=$1 name=$2 san=$3
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-nodes -keyout "$dir/$name.key" -out "$dir/$name.pem" \
		-days 30 -subj "/CN=evkit test $name" \
		-addext "subjectAltName=$san" 2>"$dir/$name.log" || {
		cat "$dir/$name.log" >&2
		return 1
	}
	cp "$dir/$name.pem" "$dir/$name-chain.pem"
}

tls_standard() {
	local dir=$1 here="DNS:localhost,IP:127.0.0.1,IP:::1"
	tls_ca "$dir" ca &&
		tls_cert "$dir" good ca "$here" &&
		tls_cert "$dir" wrongname ca "DNS:other.invalid" &&
		tls_cert "$dir" expired ca "$here" expired &&
		tls_self "$dir" self "$here"
}
