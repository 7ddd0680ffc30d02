/*
 * parse.c: the .rpc description format, pure (no I/O).
 *
 * The format, as libevent's event_rpcgen.py reads it:
 *   - C comments and // comments anywhere;
 *   - between structs, preprocessor lines: #include, #if, #ifdef, #ifndef,
 *     #elif, #else and #endif are copied to the top of the generated .c
 *     file, #define lines to the top of the header;
 *   - struct NAME { ENTRY; ENTRY; ... }  with nothing after the brace on
 *     its line, where an entry is
 *         [optional | array] TYPE NAME[ '[' LENGTH ']' ] = TAG
 *     TYPE is int, int64, string, bytes or struct[NAME]; a [LENGTH]
 *     (a number or a macro) makes bytes fixed-size and is allowed on
 *     bytes only; bytes cannot be an array, and a field cannot be both
 *     optional and an array.  The last entry's ';' may be left out.  TAG
 *     is a decimal or 0x number, unique within the struct.
 * We check more than event_rpcgen.py (names are C identifiers, names and
 * struct names unique, tags fit an enum) so that every error is reported
 * here with its line instead of by the C compiler.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpcgen.h"

enum tok_type { T_EOF, T_WORD, T_NUMBER, T_PUNCT, T_DIRECTIVE };

struct tok {
	enum tok_type type;
	const char *start; /* T_DIRECTIVE: the line without comments */
	size_t len;
	int line;
	int first_on_line;
};

struct parser {
	const char *p, *end;
	const char *name;
	int line;
	int at_line_start;
	int in_comment; /* inside a C comment */
	struct tok cur;
	char *directive; /* the text of the last T_DIRECTIVE */
	struct rpc_file *out;
	char *err;
	size_t errlen;
	int failed;
};

static void
fail(struct parser *ps, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ps->failed)
		return;
	ps->failed = 1;
	n = snprintf(ps->err, ps->errlen, "%s:%d: ", ps->name, line);
	if (n < 0 || (size_t)n >= ps->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static void *
grow(struct parser *ps, void *arr, size_t n, size_t size)
{
	void *p;

	/* arrays grow one element at a time; inputs are small */
	if (n + 1 > SIZE_MAX / size ||
	    (p = realloc(arr, (n + 1) * size)) == NULL) {
		fail(ps, ps->line, "out of memory");
		return NULL;
	}
	return p;
}

static char *
dup_n(struct parser *ps, const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d == NULL) {
		fail(ps, ps->line, "out of memory");
		return NULL;
	}
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* Skips blanks, newlines and comments; 0, or -1 at an unterminated
 * comment. */
static int
skip_space(struct parser *ps)
{
	int comment_line = ps->line;

	while (ps->p < ps->end) {
		char c = *ps->p;
		if (ps->in_comment) {
			if (c == '*' && ps->p + 1 < ps->end &&
			    ps->p[1] == '/') {
				ps->in_comment = 0;
				ps->p += 2;
				continue;
			}
		} else if (c == '/' && ps->p + 1 < ps->end && ps->p[1] == '*') {
			ps->in_comment = 1;
			comment_line = ps->line;
			ps->p += 2;
			continue;
		} else if (c == '/' && ps->p + 1 < ps->end && ps->p[1] == '/') {
			while (ps->p < ps->end && *ps->p != '\n')
				ps->p++;
			continue;
		} else if (c != ' ' && c != '\t' && c != '\r' && c != '\n' &&
		    c != '\f' && c != '\v') {
			return 0;
		}
		if (c == '\n') {
			ps->line++;
			ps->at_line_start = 1;
		}
		ps->p++;
	}
	if (ps->in_comment) {
		fail(ps, comment_line, "unterminated comment");
		return -1;
	}
	return 0;
}

/* Reads a preprocessor line (from '#' to the end of the line) without
 * its comments, blanks squeezed. */
static int
read_directive(struct parser *ps)
{
	char *d;
	size_t n = 0;
	int space = 0;

	free(ps->directive);
	if ((ps->directive = d = malloc((size_t)(ps->end - ps->p) + 1)) ==
	    NULL) {
		fail(ps, ps->line, "out of memory");
		return -1;
	}
	while (ps->p < ps->end && *ps->p != '\n') {
		char c = *ps->p;
		if (ps->in_comment) {
			if (c == '*' && ps->p + 1 < ps->end &&
			    ps->p[1] == '/') {
				ps->in_comment = 0;
				ps->p++;
			}
			ps->p++;
			space = 1;
			continue;
		}
		if (c == '/' && ps->p + 1 < ps->end && ps->p[1] == '*') {
			ps->in_comment = 1;
			ps->p += 2;
			continue;
		}
		if (c == '/' && ps->p + 1 < ps->end && ps->p[1] == '/')
			break;
		ps->p++;
		if (isspace((unsigned char)c)) {
			space = 1;
			continue;
		}
		if (space && n > 0)
			d[n++] = ' ';
		space = 0;
		d[n++] = c;
	}
	d[n] = '\0';
	while (ps->p < ps->end && *ps->p != '\n')
		ps->p++;
	return 0;
}

static void
next(struct parser *ps)
{
	struct tok *t = &ps->cur;
	const char *s;

	if (ps->failed || skip_space(ps) < 0) {
		t->type = T_EOF;
		return;
	}
	t->line = ps->line;
	t->first_on_line = ps->at_line_start;
	ps->at_line_start = 0;
	t->start = s = ps->p;
	if (s == ps->end) {
		t->type = T_EOF;
		t->len = 0;
		return;
	}
	if (*s == '#' && t->first_on_line) {
		t->type = T_DIRECTIVE;
		if (read_directive(ps) < 0)
			t->type = T_EOF;
		return;
	}
	if (isalpha((unsigned char)*s) || *s == '_') {
		while (ps->p < ps->end &&
		    (isalnum((unsigned char)*ps->p) || *ps->p == '_'))
			ps->p++;
		t->type = T_WORD;
	} else if (isdigit((unsigned char)*s)) {
		while (ps->p < ps->end && isalnum((unsigned char)*ps->p))
			ps->p++;
		t->type = T_NUMBER;
	} else if (strchr("{}[];=", *s)) {
		ps->p++;
		t->type = T_PUNCT;
	} else {
		if (isprint((unsigned char)*s))
			fail(ps, ps->line, "unexpected character '%c'", *s);
		else
			fail(ps, ps->line, "unexpected byte 0x%02x",
			    (unsigned char)*s);
		t->type = T_EOF;
		return;
	}
	t->len = (size_t)(ps->p - s);
}

static int
is_word(const struct tok *t, const char *w)
{
	return t->type == T_WORD && t->len == strlen(w) &&
	    memcmp(t->start, w, t->len) == 0;
}

/* How many of the token's first characters are in set. */
static size_t
span_of(const struct tok *t, const char *set)
{
	size_t i = 0;

	while (i < t->len && strchr(set, t->start[i]))
		i++;
	return i;
}

static int
is_punct(const struct tok *t, char c)
{
	return t->type == T_PUNCT && *t->start == c;
}

/* A short printable description of the current token for messages. */
static const char *
describe(const struct tok *t, char *buf, size_t size)
{
	if (t->type == T_EOF)
		return "end of file";
	if (t->type == T_DIRECTIVE)
		return "a preprocessor line";
	snprintf(buf, size, "\"%.*s\"", (int)(t->len > 40 ? 40 : t->len),
	    t->start);
	return buf;
}

static void
expected(struct parser *ps, const char *what)
{
	char buf[64];

	fail(ps, ps->cur.line, "expected %s, found %s", what,
	    describe(&ps->cur, buf, sizeof(buf)));
}

/* C keywords and the names the generated code itself uses would make
 * code that does not compile. */
static int
reserved_name(const char *s)
{
	static const char *const words[] = { "auto", "break", "case", "char",
		"const", "continue", "default", "do", "double", "else", "enum",
		"extern", "float", "for", "goto", "if", "inline", "int", "long",
		"register", "restrict", "return", "short", "signed", "sizeof",
		"static", "struct", "switch", "typedef", "union", "unsigned",
		"void", "volatile", "while", "_Bool", NULL };
	size_t i;

	for (i = 0; words[i]; i++)
		if (strcmp(s, words[i]) == 0)
			return 1;
	return 0;
}

static void
add_directive(struct parser *ps, int line)
{
	const char *d = ps->directive;
	const char *w = d + 1;
	size_t wl;
	char ***arr;
	size_t *n;
	char **p;

	while (*w == ' ')
		w++;
	wl = strcspn(w, " <\"");
	if (wl == 7 && strncmp(w, "include", 7) == 0) {
		const char *f = w + 7;
		while (*f == ' ')
			f++;
		if (!((*f == '"' && strchr(f + 1, '"') &&
		          strchr(f + 1, '"')[1] == '\0' && f[1] != '"') ||
		        (*f == '<' && strchr(f, '>') &&
		            strchr(f, '>')[1] == '\0' && f[1] != '>'))) {
			fail(ps, line, "bad #include line: %s", d);
			return;
		}
		arr = &ps->out->source_lines;
		n = &ps->out->n_source_lines;
	} else if ((wl == 2 && strncmp(w, "if", 2) == 0) ||
	    (wl == 5 && strncmp(w, "ifdef", 5) == 0) ||
	    (wl == 6 && strncmp(w, "ifndef", 6) == 0) ||
	    (wl == 4 && strncmp(w, "elif", 4) == 0) ||
	    (wl == 4 && strncmp(w, "else", 4) == 0) ||
	    (wl == 5 && strncmp(w, "endif", 5) == 0)) {
		arr = &ps->out->source_lines;
		n = &ps->out->n_source_lines;
	} else if (wl == 6 && strncmp(w, "define", 6) == 0) {
		arr = &ps->out->header_lines;
		n = &ps->out->n_header_lines;
	} else {
		fail(ps, line,
		    "unsupported preprocessor line (only #include, #define and "
		    "conditionals): %s",
		    d);
		return;
	}
	if ((p = grow(ps, *arr, *n, sizeof(**arr))) == NULL)
		return;
	*arr = p;
	p[*n] = ps->directive;
	ps->directive = NULL;
	(*n)++;
}

static char *
take_word(struct parser *ps, const char *what)
{
	char *s;

	if (ps->cur.type != T_WORD) {
		expected(ps, what);
		return NULL;
	}
	if (ps->cur.len > RPC_NAME_MAX) {
		fail(ps, ps->cur.line, "a name is longer than %d characters",
		    RPC_NAME_MAX);
		return NULL;
	}
	s = dup_n(ps, ps->cur.start, ps->cur.len);
	next(ps);
	return s;
}

static int
parse_tag(struct parser *ps, unsigned long *tag)
{
	char buf[32];
	char *end, *digits;
	int hex;

	if (ps->cur.type != T_NUMBER || ps->cur.len >= sizeof(buf)) {
		expected(ps, "a tag number");
		return -1;
	}
	memcpy(buf, ps->cur.start, ps->cur.len);
	buf[ps->cur.len] = '\0';
	errno = 0;
	hex = buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X');
	digits = hex ? buf + 2 : buf;
	*tag = strtoul(digits, &end, hex ? 16 : 10);
	if (*end != '\0' || end == digits ||
	    !isxdigit((unsigned char)*digits)) {
		fail(ps, ps->cur.line, "bad tag number \"%s\"", buf);
		return -1;
	}
	if (errno == ERANGE || *tag > INT_MAX) {
		fail(ps, ps->cur.line, "tag %s is too large (at most %d)", buf,
		    INT_MAX);
		return -1;
	}
	next(ps);
	return 0;
}

static void
entry_free(struct rpc_entry *e)
{
	free(e->name);
	free(e->ref);
	free(e->length);
}

/* Parses the entry at the current token into e. */
static int
parse_entry(struct parser *ps, struct rpc_entry *e)
{
	int line = ps->cur.line;
	char buf[64];

	memset(e, 0, sizeof(*e));
	e->line = line;
	for (;;) {
		if (is_word(&ps->cur, "optional")) {
			if (e->optional)
				fail(ps, line, "\"optional\" given twice");
			e->optional = 1;
		} else if (is_word(&ps->cur, "array")) {
			if (e->array)
				fail(ps, line, "\"array\" given twice");
			e->array = 1;
		} else {
			break;
		}
		next(ps);
	}
	if (ps->failed)
		return -1;
	if (e->optional && e->array) {
		fail(ps, line, "a field cannot be both optional and an array");
		return -1;
	}
	if (is_word(&ps->cur, "int")) {
		e->kind = RPC_INT;
	} else if (is_word(&ps->cur, "int64")) {
		e->kind = RPC_INT64;
	} else if (is_word(&ps->cur, "string")) {
		e->kind = RPC_STRING;
	} else if (is_word(&ps->cur, "bytes")) {
		e->kind = RPC_VARBYTES;
	} else if (is_word(&ps->cur, "struct")) {
		e->kind = RPC_STRUCT;
		next(ps);
		if (!is_punct(&ps->cur, '[')) {
			expected(ps, "\"[\" after struct (struct[NAME])");
			return -1;
		}
		next(ps);
		if ((e->ref = take_word(ps, "a struct name in struct[NAME]")) ==
		    NULL)
			return -1;
		if (!is_punct(&ps->cur, ']')) {
			expected(ps, "\"]\" after struct[NAME");
			return -1;
		}
	} else if (ps->cur.type == T_WORD) {
		fail(ps, line,
		    "unknown type %s (int, int64, string, bytes or "
		    "struct[NAME])",
		    describe(&ps->cur, buf, sizeof(buf)));
		return -1;
	} else {
		expected(ps, "a field type");
		return -1;
	}
	next(ps);
	if ((e->name = take_word(ps, "a field name")) == NULL)
		return -1;
	if (reserved_name(e->name)) {
		fail(ps, line, "\"%s\" cannot be a field name", e->name);
		return -1;
	}
	if (is_punct(&ps->cur, '[')) {
		next(ps);
		if (e->kind != RPC_VARBYTES) {
			fail(ps, line,
			    "field %s: only bytes fields have a [length]",
			    e->name);
			return -1;
		}
		if (ps->cur.type != T_NUMBER && ps->cur.type != T_WORD) {
			expected(ps, "a length (a number or a macro name)");
			return -1;
		}
		if (ps->cur.type == T_NUMBER &&
		    span_of(&ps->cur, "0123456789") != ps->cur.len) {
			fail(ps, line, "field %s: bad length %s", e->name,
			    describe(&ps->cur, buf, sizeof(buf)));
			return -1;
		}
		if (ps->cur.type == T_NUMBER &&
		    span_of(&ps->cur, "0") == ps->cur.len) {
			fail(ps, line,
			    "field %s: the length must be at least 1", e->name);
			return -1;
		}
		if (ps->cur.len > RPC_NAME_MAX) {
			fail(ps, line,
			    "field %s: the length is longer than %d "
			    "characters",
			    e->name, RPC_NAME_MAX);
			return -1;
		}
		e->kind = RPC_BYTES;
		if ((e->length = dup_n(ps, ps->cur.start, ps->cur.len)) == NULL)
			return -1;
		next(ps);
		if (!is_punct(&ps->cur, ']')) {
			expected(ps, "\"]\" after the length");
			return -1;
		}
		next(ps);
	}
	if (e->array && (e->kind == RPC_BYTES || e->kind == RPC_VARBYTES)) {
		fail(ps, line, "field %s: bytes cannot be an array", e->name);
		return -1;
	}
	if (!is_punct(&ps->cur, '=')) {
		expected(ps, "\"=\" and a tag number");
		return -1;
	}
	next(ps);
	if (parse_tag(ps, &e->tag) < 0)
		return -1;
	if (is_punct(&ps->cur, ';'))
		next(ps);
	else if (!is_punct(&ps->cur, '}'))
		expected(ps, "\";\" after the tag");
	return ps->failed ? -1 : 0;
}

static int
check_entry(struct parser *ps, const struct rpc_struct *s,
    const struct rpc_entry *e)
{
	size_t i;

	for (i = 0; i < s->n_entries; i++) {
		const struct rpc_entry *o = &s->entries[i];
		if (strcmp(o->name, e->name) == 0) {
			fail(ps, e->line,
			    "struct %s: field %s already defined on line %d",
			    s->name, e->name, o->line);
			return -1;
		}
		if (o->tag == e->tag) {
			fail(ps, e->line,
			    "struct %s: field %s has tag %lu, already used by "
			    "field %s on line %d",
			    s->name, e->name, e->tag, o->name, o->line);
			return -1;
		}
	}
	return 0;
}

static int
parse_struct(struct parser *ps)
{
	struct rpc_file *f = ps->out;
	struct rpc_struct *s, *arr;
	int line = ps->cur.line;
	size_t i;

	next(ps);
	if ((arr = grow(ps, f->structs, f->n_structs, sizeof(*arr))) == NULL)
		return -1;
	f->structs = arr;
	s = &arr[f->n_structs];
	memset(s, 0, sizeof(*s));
	s->line = line;
	if ((s->name = take_word(ps, "a struct name")) == NULL) {
		return -1;
	}
	f->n_structs++;
	if (reserved_name(s->name)) {
		fail(ps, line, "\"%s\" cannot be a struct name", s->name);
		return -1;
	}
	for (i = 0; i + 1 < f->n_structs; i++) {
		if (strcmp(f->structs[i].name, s->name) == 0) {
			fail(ps, line, "struct %s already defined on line %d",
			    s->name, f->structs[i].line);
			return -1;
		}
	}
	if (!is_punct(&ps->cur, '{')) {
		expected(ps, "\"{\" after the struct name");
		return -1;
	}
	next(ps);
	for (;;) {
		struct rpc_entry e, *ents;
		if (is_punct(&ps->cur, '}'))
			break;
		if (is_punct(&ps->cur, ';')) {
			next(ps);
			continue;
		}
		if (ps->cur.type == T_EOF && !ps->failed) {
			fail(ps, line, "struct %s is not closed with \"}\"",
			    s->name);
			return -1;
		}
		if (ps->cur.type == T_DIRECTIVE) {
			fail(ps, ps->cur.line,
			    "preprocessor line inside struct %s", s->name);
			return -1;
		}
		if (parse_entry(ps, &e) < 0 || check_entry(ps, s, &e) < 0 ||
		    (ents = grow(ps, s->entries, s->n_entries,
		         sizeof(*ents))) == NULL) {
			entry_free(&e);
			return -1;
		}
		s->entries = ents;
		ents[s->n_entries++] = e;
	}
	line = ps->cur.line;
	next(ps);
	if (ps->cur.type != T_EOF && !ps->cur.first_on_line) {
		fail(ps, line, "text after the \"}\" that closes struct %s",
		    s->name);
		return -1;
	}
	return ps->failed ? -1 : 0;
}

int
rpc_parse(const char *text, size_t n, const char *name, struct rpc_file *out,
    char *err, size_t errlen)
{
	struct parser ps;

	memset(out, 0, sizeof(*out));
	memset(&ps, 0, sizeof(ps));
	ps.p = text;
	ps.end = text + n;
	ps.name = name;
	ps.line = 1;
	ps.at_line_start = 1;
	ps.out = out;
	ps.err = err;
	ps.errlen = errlen;
	if (errlen)
		err[0] = '\0';
	if (memchr(text, '\0', n)) {
		fail(&ps, 1, "the file contains a NUL byte");
		return -1;
	}
	next(&ps);
	while (!ps.failed && ps.cur.type != T_EOF) {
		if (ps.cur.type == T_DIRECTIVE) {
			add_directive(&ps, ps.cur.line);
			next(&ps);
		} else if (is_word(&ps.cur, "struct")) {
			parse_struct(&ps);
		} else {
			expected(&ps, "\"struct\" or a preprocessor line");
		}
	}
	free(ps.directive);
	if (ps.failed) {
		rpc_file_free(out);
		return -1;
	}
	return 0;
}

void
rpc_file_free(struct rpc_file *f)
{
	size_t i, j;

	for (i = 0; i < f->n_structs; i++) {
		for (j = 0; j < f->structs[i].n_entries; j++)
			entry_free(&f->structs[i].entries[j]);
		free(f->structs[i].entries);
		free(f->structs[i].name);
	}
	free(f->structs);
	for (i = 0; i < f->n_source_lines; i++)
		free(f->source_lines[i]);
	free(f->source_lines);
	for (i = 0; i < f->n_header_lines; i++)
		free(f->header_lines[i]);
	free(f->header_lines);
	memset(f, 0, sizeof(*f));
}
