/*
 * TLS contexts and messages shared by the tools.  See tls.h.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <arpa/inet.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls.h"

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
say(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
}

/* OpenSSL's reason for the oldest queued error, and the queue emptied. */
static const char *
ossl_reason(void)
{
	unsigned long e = ERR_peek_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	if (e != 0 && ERR_SYSTEM_ERROR(e))
		r = strerror(ERR_GET_REASON(e));
	ERR_clear_error();
	return r ? r : "unknown error";
}

static int
is_ip_literal(const char *name)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, name, buf) == 1 ||
	    inet_pton(AF_INET6, name, buf) == 1;
}

/*
 * The server's ALPN list (wire form) hangs on its SSL_CTX as ex_data, so
 * that a context made again (evhttpd's reload) carries its own.
 */
struct alpn_wire {
	size_t len;
	unsigned char data[];
};

static int alpn_index = -1;
static pthread_once_t alpn_once = PTHREAD_ONCE_INIT;

static void
alpn_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	free(ptr);
}

static void
alpn_index_init(void)
{
	alpn_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, alpn_free);
}

/* "h2,http/1.1" into wire form (length-prefixed names); NULL on error. */
static struct alpn_wire *
alpn_parse(const char *list, char *err, size_t errsize)
{
	size_t n = strlen(list);
	struct alpn_wire *w = malloc(sizeof(*w) + n + 1);
	const char *p = list;

	if (w == NULL) {
		say(err, errsize, "out of memory");
		return NULL;
	}
	w->len = 0;
	for (;;) {
		size_t len = strcspn(p, ",");

		if (len == 0 || len > 255) {
			say(err, errsize,
			    "bad ALPN list '%s': each protocol name must be 1 "
			    "to 255 characters, separated by commas",
			    list);
			free(w);
			return NULL;
		}
		w->data[w->len++] = (unsigned char)len;
		memcpy(w->data + w->len, p, len);
		w->len += len;
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	return w;
}

static int
alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	const struct alpn_wire *w =
	    SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), alpn_index);
	unsigned char *sel;

	(void)arg;
	if (w == NULL)
		return SSL_TLSEXT_ERR_NOACK;
	/* Our preference first; no overlap: go on without ALPN. */
	if (SSL_select_next_proto(&sel, outlen, w->data, (unsigned)w->len, in,
	        inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

/* Splits o->ciphers into TLS 1.3 suites and TLS 1.2 ciphers. */
static int
set_ciphers(SSL_CTX *ctx, const char *list, char *err, size_t errsize)
{
	size_t n = strlen(list) + 1;
	char *v13 = calloc(1, n), *v12 = calloc(1, n), *copy = strdup(list);
	char *tok, *save = NULL;
	int rv = -1;

	if (v13 == NULL || v12 == NULL || copy == NULL) {
		say(err, errsize, "out of memory");
		goto out;
	}
	for (tok = strtok_r(copy, ":", &save); tok != NULL;
	     tok = strtok_r(NULL, ":", &save)) {
		char *dst = strncmp(tok, "TLS_", 4) == 0 ? v13 : v12;

		if (*dst != '\0')
			strcat(dst, ":");
		strcat(dst, tok);
	}
	if (*v13 == '\0' && *v12 == '\0') {
		say(err, errsize, "empty cipher list");
		goto out;
	}
	if (*v13 != '\0' && !SSL_CTX_set_ciphersuites(ctx, v13)) {
		say(err, errsize, "no TLS 1.3 cipher suite matches '%s': %s",
		    v13, ossl_reason());
		goto out;
	}
	if (*v12 != '\0' && !SSL_CTX_set_cipher_list(ctx, v12)) {
		say(err, errsize, "no cipher matches '%s': %s", v12,
		    ossl_reason());
		goto out;
	}
	rv = 0;
out:
	free(v13);
	free(v12);
	free(copy);
	return rv;
}

static int
is_mismatch(unsigned long e)
{
	return (ERR_GET_LIB(e) == ERR_LIB_X509 &&
	           ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH) ||
	    (ERR_GET_LIB(e) == ERR_LIB_SSL &&
	        ERR_GET_REASON(e) == SSL_R_PRIVATE_KEY_MISMATCH);
}

/* Whether the error queue (left as it is) says a key is not the
 * certificate's; SSL_CTX_check_private_key may fail with none. */
static int
key_mismatch(int checked)
{
	unsigned long first = ERR_peek_error();

	if (first == 0)
		return checked;
	return is_mismatch(first) || is_mismatch(ERR_peek_last_error());
}

static int
load_cert_key(SSL_CTX *ctx, const struct tls_opts *o, char *err, size_t errsize)
{
	const char *key = o->key_file ? o->key_file : o->cert_file;
	int loaded;

	if (SSL_CTX_use_certificate_chain_file(ctx, o->cert_file) != 1) {
		say(err, errsize, "cannot load certificate %s: %s",
		    o->cert_file, ossl_reason());
		return -1;
	}
	/* OpenSSL checks the key against the certificate already loaded
	 * while loading it: a mismatch fails this call, with
	 * "key values mismatch" in the queue. */
	loaded = SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1;
	if (!loaded || SSL_CTX_check_private_key(ctx) != 1) {
		if (key_mismatch(loaded))
			say(err, errsize,
			    "private key %s does not match certificate %s", key,
			    o->cert_file);
		else
			say(err, errsize, "cannot load private key %s: %s", key,
			    ossl_reason());
		ERR_clear_error();
		return -1;
	}
	return 0;
}

static int
load_trust(SSL_CTX *ctx, const struct tls_opts *o, char *err, size_t errsize)
{
	if (o->trust_file != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, o->trust_file, NULL) !=
		    1) {
			say(err, errsize,
			    "cannot load trusted certificates %s: %s",
			    o->trust_file, ossl_reason());
			return -1;
		}
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
		say(err, errsize,
		    "cannot load the system's CA certificates: %s",
		    ossl_reason());
		return -1;
	}
	return 0;
}

/* ALPN: the client's offer, or the server's list for alpn_select(). */
static int
set_alpn(SSL_CTX *ctx, const char *list, int server, char *err, size_t errsize)
{
	struct alpn_wire *w = alpn_parse(list, err, errsize);
	int ok;

	if (w == NULL)
		return -1;
	if (server) {
		pthread_once(&alpn_once, alpn_index_init);
		ok = alpn_index >= 0 && SSL_CTX_set_ex_data(ctx, alpn_index, w);
		if (ok)
			SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
		else
			free(w);
	} else {
		/* 0 is success for this one. */
		ok = SSL_CTX_set_alpn_protos(ctx, w->data, (unsigned)w->len) ==
		    0;
		free(w);
	}
	if (!ok) {
		say(err, errsize, "cannot set ALPN: %s", ossl_reason());
		return -1;
	}
	return 0;
}

/*
 * A context of either side.  Verification: a client checks the server;
 * a server asked to verify requires a client certificate.
 */
static SSL_CTX *
ctx_new(int server, const struct tls_opts *o, char *err, size_t errsize)
{
	SSL_CTX *ctx =
	    SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());

	if (ctx == NULL) {
		say(err, errsize, "cannot make a TLS context: %s",
		    ossl_reason());
		return NULL;
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		say(err, errsize, "cannot require TLS 1.2: %s", ossl_reason());
		goto fail;
	}
	/*
	 * Partial writes and a moving write buffer: what a bufferevent
	 * needs, since it may retry a write from a different address.
	 */
	SSL_CTX_set_mode(ctx,
	    SSL_MODE_ENABLE_PARTIAL_WRITE |
	        SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (o->ciphers != NULL && set_ciphers(ctx, o->ciphers, err, errsize))
		goto fail;
	if (o->cert_file != NULL && load_cert_key(ctx, o, err, errsize))
		goto fail;
	if (o->alpn != NULL && set_alpn(ctx, o->alpn, server, err, errsize))
		goto fail;
	if (o->verify) {
		if (load_trust(ctx, o, err, errsize))
			goto fail;
		SSL_CTX_set_verify(ctx,
		    server ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
		           : SSL_VERIFY_PEER,
		    NULL);
	} else {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

SSL_CTX *
tls_client_ctx(const struct tls_opts *o, char *err, size_t errsize)
{
	return ctx_new(0, o, err, errsize);
}

SSL_CTX *
tls_server_ctx(const struct tls_opts *o, char *err, size_t errsize)
{
	return ctx_new(1, o, err, errsize);
}

int
tls_use_self_signed(SSL_CTX *ctx, const char *name, char *err, size_t errsize)
{
	EVP_PKEY *pkey = NULL;
	X509 *x = NULL;
	X509_EXTENSION *ext = NULL;
	X509V3_CTX v3;
	BIGNUM *serial = NULL;
	X509_NAME *subj;
	char san[300];
	int rv = -1;

	if (name == NULL || *name == '\0' || strlen(name) > 253)
		name = "localhost";
	snprintf(san, sizeof(san), "%s:%s", is_ip_literal(name) ? "IP" : "DNS",
	    name);
	pkey = EVP_EC_gen("P-256");
	x = X509_new();
	serial = BN_new();
	if (pkey == NULL || x == NULL || serial == NULL)
		goto fail;
	if (!X509_set_version(x, X509_VERSION_3) ||
	    !BN_rand(serial, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) ||
	    !BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), 30L * 24 * 3600) ||
	    !X509_set_pubkey(x, pkey))
		goto fail;
	subj = X509_get_subject_name(x);
	/* A CN is at most 64 characters; the SAN carries the full name. */
	if (!X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_ASC,
	        (const unsigned char *)(strlen(name) <= 64 ? name
	                                                   : "localhost"),
	        -1, -1, 0) ||
	    !X509_set_issuer_name(x, subj))
		goto fail;
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
	if (ext == NULL || !X509_add_ext(x, ext, -1) ||
	    !X509_sign(x, pkey, EVP_sha256()))
		goto fail;
	if (SSL_CTX_use_certificate(ctx, x) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, pkey) != 1)
		goto fail;
	rv = 0;
	goto out;
fail:
	say(err, errsize, "cannot make a self-signed certificate: %s",
	    ossl_reason());
out:
	X509_EXTENSION_free(ext);
	BN_free(serial);
	X509_free(x);
	EVP_PKEY_free(pkey);
	return rv;
}

SSL *
tls_client_ssl(SSL_CTX *ctx, const struct tls_opts *o, char *err,
    size_t errsize)
{
	const char *name = o->server_name;
	SSL *ssl;

	if (o->verify && (name == NULL || *name == '\0')) {
		say(err, errsize,
		    "no host name to check the server's certificate against");
		return NULL;
	}
	ssl = SSL_new(ctx);
	if (ssl == NULL) {
		say(err, errsize, "cannot make a TLS session: %s",
		    ossl_reason());
		return NULL;
	}
	SSL_set_connect_state(ssl);
	if (name != NULL && *name != '\0') {
		int ip = is_ip_literal(name);

		/* RFC 6066: SNI carries host names only, never addresses. */
		if (!ip && SSL_set_tlsext_host_name(ssl, name) != 1) {
			say(err, errsize, "bad server name '%s': %s", name,
			    ossl_reason());
			goto fail;
		}
		if (o->verify) {
			X509_VERIFY_PARAM *p = SSL_get0_param(ssl);
			int ok;

			X509_VERIFY_PARAM_set_hostflags(p,
			    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
			ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(p, name)
			        : SSL_set1_host(ssl, name);
			if (ok != 1) {
				say(err, errsize, "bad server name '%s': %s",
				    name, ossl_reason());
				goto fail;
			}
		}
	}
	return ssl;
fail:
	SSL_free(ssl);
	return NULL;
}

/* The names a certificate is for: its DNS and IP SANs, else its CN. */
static void
cert_names(X509 *x, char *buf, size_t size)
{
	GENERAL_NAMES *gens =
	    X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	size_t used = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		char one[INET6_ADDRSTRLEN + 256];
		const unsigned char *d;
		int len;

		if (g->type == GEN_DNS) {
			d = ASN1_STRING_get0_data(g->d.dNSName);
			len = ASN1_STRING_length(g->d.dNSName);
			snprintf(one, sizeof(one), "%.*s", len,
			    (const char *)d);
		} else if (g->type == GEN_IPADD) {
			d = ASN1_STRING_get0_data(g->d.iPAddress);
			len = ASN1_STRING_length(g->d.iPAddress);
			if ((len != 4 && len != 16) ||
			    inet_ntop(len == 4 ? AF_INET : AF_INET6, d, one,
			        sizeof(one)) == NULL)
				continue;
		} else {
			continue;
		}
		if (used < size)
			used += (size_t)snprintf(buf + used, size - used,
			    "%s%s", used ? ", " : "", one);
	}
	GENERAL_NAMES_free(gens);
	if (buf[0] == '\0' &&
	    X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName,
	        buf, (int)size) < 0)
		snprintf(buf, size, "no name");
}

static void
verify_failure(SSL *ssl, long vr, char *buf, size_t size)
{
	X509 *leaf = SSL_get0_peer_certificate(ssl);
	STACK_OF(X509) * chain;

	if (leaf == NULL && (chain = SSL_get_peer_cert_chain(ssl)) != NULL &&
	    sk_X509_num(chain) > 0)
		leaf = sk_X509_value(chain, 0);
	switch (vr) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		snprintf(buf, size, "certificate has expired");
		break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		snprintf(buf, size, "certificate is not yet valid");
		break;
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH: {
		X509_VERIFY_PARAM *p = SSL_get0_param(ssl);
		const char *host = X509_VERIFY_PARAM_get0_host(p, 0);
		char *ip = host ? NULL : X509_VERIFY_PARAM_get1_ip_asc(p);
		char names[512] = "";

		if (leaf != NULL)
			cert_names(leaf, names, sizeof(names));
		snprintf(buf, size, "certificate is for %s, not %s",
		    names[0] ? names : "another name",
		    host     ? host
		        : ip ? ip
		             : "the name asked for");
		OPENSSL_free(ip);
		break;
	}
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		snprintf(buf, size, "self-signed certificate, not trusted");
		break;
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		snprintf(buf, size,
		    "certificate not trusted: its chain ends in a CA that is "
		    "not "
		    "trusted");
		break;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_CERT_UNTRUSTED:
		snprintf(buf, size, "certificate not trusted: %s",
		    X509_verify_cert_error_string(vr));
		break;
	default:
		snprintf(buf, size, "certificate refused: %s",
		    X509_verify_cert_error_string(vr));
		break;
	}
}

const char *
tls_failure(SSL *ssl, unsigned long ossl_err, char *buf, size_t size)
{
	const char *reason;
	long vr;

	if (size == 0)
		return buf;
	vr = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;
	if (ssl != NULL && (SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER) &&
	    vr != X509_V_OK) {
		verify_failure(ssl, vr, buf, size);
		return buf;
	}
	if (ossl_err == 0) {
		if (ssl != NULL && !SSL_is_init_finished(ssl))
			snprintf(buf, size,
			    "handshake failed: connection closed by peer");
		else
			snprintf(buf, size, "TLS connection failed");
		return buf;
	}
	reason = ERR_reason_error_string(ossl_err);
	if (reason == NULL)
		reason = "unknown error";
	/* An alert from the peer: it refused us (our certificate, say). */
	if (ERR_GET_LIB(ossl_err) == ERR_LIB_SSL &&
	    ERR_GET_REASON(ossl_err) >= SSL_AD_REASON_OFFSET)
		snprintf(buf, size, "%s refused the handshake: %s",
		    ssl != NULL && SSL_is_server(ssl) ? "client" : "server",
		    reason);
	else if (ssl != NULL && SSL_is_init_finished(ssl))
		snprintf(buf, size, "TLS error: %s", reason);
	else
		snprintf(buf, size, "handshake failed: %s", reason);
	return buf;
}

const char *
tls_alpn_selected(const SSL *ssl, char *buf, size_t size)
{
	const unsigned char *p = NULL;
	unsigned int len = 0;

	SSL_get0_alpn_selected(ssl, &p, &len);
	if (size > 0)
		snprintf(buf, size, "%.*s", (int)len, p ? (const char *)p : "");
	return buf;
}

const char *
tls_describe(const SSL *ssl, char *buf, size_t size)
{
	if (size > 0)
		snprintf(buf, size, "%s %s", SSL_get_version(ssl),
		    SSL_get_cipher_name(ssl));
	return buf;
}
