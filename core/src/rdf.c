/* rdf.c — parses Dgraph's RDF mutation syntax (set/delete blocks of N-Quads)
 * and writes and reads back the canonical N-Quad text of one object term.
 *
 * The parser is a single forward pass over the body: a cursor that tracks
 * line and column as it moves, so every error can say exactly where it is
 * without rescanning, and quads collected in doubling arrays. */
#include "rdf.h"
#include "textutil.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RDF_MAX_PRED 255
#define RDF_ECHO_MAX 64 /* longest piece of input quoted back in a message */

struct cursor {
	const char *p, *end;
	int line, col; /* of *p; col counts characters, not bytes */
	cairn_err *err;
};

struct quad_vec {
	struct cairn_rdf_quad *v;
	size_t n, cap;
};

static void adv(struct cursor *c)
{
	unsigned char b = (unsigned char)*c->p++;
	if (b == '\n') {
		c->line++;
		c->col = 1;
	} else if ((b & 0xC0) != 0x80) {
		c->col++;
	}
}

static void adv_n(struct cursor *c, size_t n)
{
	while (n--)
		adv(c);
}

__attribute__((format(printf, 4, 5))) static int fail_at(struct cursor *c, int line, int col,
							 const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!c->err)
		return -1;
	n = snprintf(c->err->msg, sizeof c->err->msg, "line %d column %d: ", line, col);
	if (n < 0 || (size_t)n >= sizeof c->err->msg)
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->err->msg + n, sizeof c->err->msg - (size_t)n, fmt, ap);
	va_end(ap);
	c->err->code = CAIRN_E_OTHER;
	return -1;
}

#define FAIL(c, ...) fail_at((c), (c)->line, (c)->col, __VA_ARGS__)

static int at_end(const struct cursor *c) { return c->p >= c->end; }

static int peek_is(const struct cursor *c, size_t off, char ch)
{
	return (size_t)(c->end - c->p) > off && c->p[off] == ch;
}

static int is_alpha(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'); }

static int is_alnum(char ch) { return is_alpha(ch) || (ch >= '0' && ch <= '9'); }

/* How much of s to quote back: at most RDF_ECHO_MAX bytes, cut on a
 * character boundary. */
static int echo_len(const char *s, size_t n)
{
	if (n <= RDF_ECHO_MAX)
		return (int)n;
	n = RDF_ECHO_MAX;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return (int)n;
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static int oom(struct cursor *c) { return FAIL(c, "out of memory"); }

static void skip_ws(struct cursor *c)
{
	while (!at_end(c)) {
		char ch = *c->p;
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
			adv(c);
		} else if (ch == '#') {
			while (!at_end(c) && *c->p != '\n')
				adv(c);
		} else {
			break;
		}
	}
}

static void describe_byte(unsigned char b, char *buf, size_t n)
{
	if (b == ' ')
		snprintf(buf, n, "a space");
	else if (b < 0x20 || b == 0x7F)
		snprintf(buf, n, "control character 0x%02x", b);
	else
		snprintf(buf, n, "'%c'", b);
}

/* Reads "<...>" at the cursor; *s and *n get what is between the brackets. */
static int read_iri(struct cursor *c, const char **s, size_t *n)
{
	int line = c->line, col = c->col;
	const char *start;

	adv(c);
	start = c->p;
	while (!at_end(c) && *c->p != '>') {
		unsigned char b = (unsigned char)*c->p;
		char what[32];
		if (b == '\n' || b == '\r')
			break;
		if (b <= 0x20 || b == 0x7F || (b < 0x80 && strchr("<\"{}|^`\\", b))) {
			describe_byte(b, what, sizeof what);
			return FAIL(c, "invalid character %s in IRI", what);
		}
		if (b >= 0x80) {
			size_t k =
			    cairn_utf8_seq((const unsigned char *)c->p, (size_t)(c->end - c->p));
			if (!k)
				return FAIL(c, "invalid UTF-8 in IRI");
			adv_n(c, k);
		} else {
			adv(c);
		}
	}
	if (at_end(c) || *c->p != '>')
		return fail_at(c, line, col, "missing '>' to close the IRI");
	*s = start;
	*n = (size_t)(c->p - start);
	adv(c);
	return 0;
}

/* The uid an IRI names, for the subject or object role. */
static int iri_uid(struct cursor *c, int line, int col, const char *s, size_t n, const char *role,
		   uint64_t *uid)
{
	uint64_t v = 0;
	size_t i, digits = 0;
	int decimal = n > 0;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			decimal = 0;
	if (decimal)
		return fail_at(c, line, col,
			       "%s <%.*s> is not a uid: write uids in hex, like <0x1>", role,
			       echo_len(s, n), s);
	if (n < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
		if (!strcmp(role, "subject"))
			return fail_at(
			    c, line, col,
			    "subject <%.*s> must be a uid like <0x1> or a blank node like _:a",
			    echo_len(s, n), s);
		return fail_at(c, line, col,
			       "object <%.*s> is not a uid: an object must be a uid like <0x1>, a "
			       "blank node or a string literal",
			       echo_len(s, n), s);
	}
	if (n == 2)
		return fail_at(c, line, col, "%s <%.*s> is not a valid uid", role, (int)n, s);
	for (i = 2; i < n; i++) {
		int h = cairn_hexval(s[i]);
		if (h < 0)
			return fail_at(c, line, col, "%s <%.*s> is not a valid uid", role,
				       echo_len(s, n), s);
		if (v || h)
			digits++;
		if (digits > 16)
			return fail_at(c, line, col, "%s uid <%.*s> does not fit in 64 bits", role,
				       echo_len(s, n), s);
		v = v << 4 | (uint64_t)h;
	}
	if (v == 0)
		return fail_at(c, line, col, "%s uid 0 is not valid: uids start at <0x1>", role);
	*uid = v;
	return 0;
}

static int read_blank(struct cursor *c, char **out)
{
	int line = c->line, col = c->col;
	const char *start, *q;

	adv_n(c, 2);
	start = q = c->p;
	while (q < c->end && (is_alnum(*q) || *q == '_' || *q == '.' || *q == '-'))
		q++;
	while (q > start && q[-1] == '.')
		q--; /* a trailing dot ends the statement */
	if (q == start)
		return fail_at(c, line, col, "blank node has no name after \"_:\"");
	*out = dup_n(start, (size_t)(q - start));
	if (!*out)
		return oom(c);
	adv_n(c, (size_t)(q - start));
	return 0;
}

static int read_hex_escape(struct cursor *c, const char *stop, int digits, int line, int col,
			   uint32_t *cp)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < digits; i++) {
		int h = c->p < stop ? cairn_hexval(*c->p) : -1;
		if (h < 0)
			return fail_at(c, line, col, "expected %d hex digits in the \\%c escape",
				       digits, digits == 4 ? 'u' : 'U');
		v = v << 4 | (uint32_t)h;
		adv(c);
	}
	*cp = v;
	return 0;
}

/* A \u escape of a high surrogate may be followed by one of the low half. */
static int low_surrogate_follows(const struct cursor *c, const char *stop, uint32_t *lo)
{
	uint32_t v = 0;
	int i;

	if (stop - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u')
		return 0;
	for (i = 2; i < 6; i++) {
		int h = cairn_hexval(c->p[i]);
		if (h < 0)
			return 0;
		v = v << 4 | (uint32_t)h;
	}
	if (v < 0xDC00 || v > 0xDFFF)
		return 0;
	*lo = v;
	return 1;
}

static int read_escape(struct cursor *c, const char *stop, char *buf, size_t *n)
{
	int line = c->line, col = c->col;
	uint32_t cp = 0, lo = 0;
	char e;

	adv(c);
	e = *c->p;
	switch (e) {
	case '"':
	case '\'':
	case '\\':
		buf[(*n)++] = e;
		adv(c);
		return 0;
	case 'n':
		buf[(*n)++] = '\n';
		adv(c);
		return 0;
	case 'r':
		buf[(*n)++] = '\r';
		adv(c);
		return 0;
	case 't':
		buf[(*n)++] = '\t';
		adv(c);
		return 0;
	case 'b':
		buf[(*n)++] = '\b';
		adv(c);
		return 0;
	case 'f':
		buf[(*n)++] = '\f';
		adv(c);
		return 0;
	case 'u':
	case 'U':
		adv(c);
		if (read_hex_escape(c, stop, e == 'u' ? 4 : 8, line, col, &cp))
			return -1;
		if (e == 'u' && cp >= 0xD800 && cp <= 0xDBFF &&
		    low_surrogate_follows(c, stop, &lo)) {
			adv_n(c, 6);
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
		}
		if (cp == 0)
			return fail_at(c, line, col, "string literal contains a NUL character");
		if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
			return fail_at(c, line, col, "\\%c escape names no valid code point", e);
		*n += cairn_utf8_put(buf + *n, cp);
		return 0;
	default:
		if ((unsigned char)e > 0x20 && (unsigned char)e < 0x7F)
			return fail_at(c, line, col, "invalid escape \\%c in string literal", e);
		return fail_at(c, line, col, "invalid escape in string literal");
	}
}

static int read_lang(struct cursor *c, char **out)
{
	int line = c->line, col = c->col;
	const char *start;

	adv(c);
	start = c->p;
	if (at_end(c) || !is_alpha(*c->p))
		return fail_at(c, line, col, "language tag after '@' must start with a letter");
	while (!at_end(c) && is_alpha(*c->p))
		adv(c);
	while (!at_end(c) && *c->p == '-') {
		adv(c);
		if (at_end(c) || !is_alnum(*c->p))
			return FAIL(c, "expected a letter or digit after '-' in the language tag");
		while (!at_end(c) && is_alnum(*c->p))
			adv(c);
	}
	*out = dup_n(start, (size_t)(c->p - start));
	return *out ? 0 : oom(c);
}

static int read_type(struct cursor *c, char **out)
{
	const char *s;
	size_t n;
	int line, col;

	if (!peek_is(c, 1, '^'))
		return FAIL(c, "expected ^^<type> after the string literal");
	adv_n(c, 2);
	if (at_end(c) || *c->p != '<')
		return FAIL(c, "expected '<' after ^^");
	line = c->line;
	col = c->col;
	if (read_iri(c, &s, &n))
		return -1;
	if (n == 0)
		return fail_at(c, line, col, "datatype IRI is empty");
	*out = dup_n(s, n);
	return *out ? 0 : oom(c);
}

static int read_literal(struct cursor *c, struct cairn_rdf_term *t)
{
	int line = c->line, col = c->col;
	const char *q = c->p + 1;
	char *buf = NULL;
	size_t n = 0;
	int rc = -1;

	/* Find the closing quote first: the unescaped value is never longer than
	 * the escaped text, so one allocation holds it. */
	while (q < c->end && *q != '"' && *q != '\n' && *q != '\r')
		q += (*q == '\\' && q + 1 < c->end) ? 2 : 1;
	if (q >= c->end || *q != '"') {
		fail_at(c, line, col, "string literal is not closed: missing '\"' on this line");
		goto out;
	}
	buf = malloc((size_t)(q - c->p));
	if (!buf) {
		oom(c);
		goto out;
	}
	adv(c);
	while (c->p < q) {
		unsigned char b = (unsigned char)*c->p;
		if (b == '\\') {
			if (read_escape(c, q, buf, &n))
				goto out;
		} else if (b == 0) {
			FAIL(c, "string literal contains a NUL byte");
			goto out;
		} else if (b < 0x80) {
			buf[n++] = (char)b;
			adv(c);
		} else {
			size_t k = cairn_utf8_seq((const unsigned char *)c->p, (size_t)(q - c->p));
			if (!k) {
				FAIL(c, "invalid UTF-8 in string literal");
				goto out;
			}
			memcpy(buf + n, c->p, k);
			n += k;
			adv_n(c, k);
		}
	}
	adv(c);
	buf[n] = '\0';
	t->kind = CAIRN_RDF_LITERAL;
	t->value = buf;
	buf = NULL;
	if (!at_end(c) && *c->p == '@') {
		if (read_lang(c, &t->lang))
			goto out;
		if (!at_end(c) && *c->p == '^') {
			FAIL(c, "a literal cannot have both a language tag and a type");
			goto out;
		}
	} else if (!at_end(c) && *c->p == '^') {
		if (read_type(c, &t->type))
			goto out;
		if (!at_end(c) && *c->p == '@') {
			FAIL(c, "a literal cannot have both a language tag and a type");
			goto out;
		}
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

static int at_blank(const struct cursor *c)
{
	return !at_end(c) && *c->p == '_' && peek_is(c, 1, ':');
}

static int parse_subject(struct cursor *c, struct cairn_rdf_term *t)
{
	int line = c->line, col = c->col;
	const char *s;
	size_t n;

	if (at_end(c))
		return FAIL(c, "expected a subject, found the end of input");
	if (*c->p == '<') {
		if (read_iri(c, &s, &n))
			return -1;
		t->kind = CAIRN_RDF_UID;
		return iri_uid(c, line, col, s, n, "subject", &t->uid);
	}
	if (at_blank(c)) {
		t->kind = CAIRN_RDF_BLANK;
		return read_blank(c, &t->blank);
	}
	if (*c->p == '*')
		return FAIL(c, "'*' cannot be a subject: name a uid like <0x1>");
	if (*c->p == '"')
		return FAIL(c, "a string literal cannot be a subject");
	return FAIL(c, "expected a subject (a uid like <0x1> or a blank node like _:a)");
}

static int parse_predicate(struct cursor *c, char **pred)
{
	int line = c->line, col = c->col;
	const char *s;
	size_t n;

	if (at_end(c))
		return FAIL(c, "expected a predicate, found the end of input");
	if (*c->p == '<') {
		if (read_iri(c, &s, &n))
			return -1;
		if (n == 0)
			return fail_at(c, line, col, "predicate <> is empty");
		if (n > RDF_MAX_PRED)
			return fail_at(c, line, col, "predicate is %zu bytes long; the limit is %d",
				       n, RDF_MAX_PRED);
		*pred = dup_n(s, n);
		return *pred ? 0 : oom(c);
	}
	if (*c->p == '*')
		return FAIL(c, "'*' cannot be a predicate: name one, like <name>");
	if (at_blank(c))
		return FAIL(c, "a blank node cannot be a predicate");
	if (*c->p == '"')
		return FAIL(c, "a string literal cannot be a predicate");
	return FAIL(c, "expected a predicate like <name>");
}

static int parse_object(struct cursor *c, struct cairn_rdf_term *t)
{
	int line = c->line, col = c->col;
	const char *s;
	size_t n;

	if (at_end(c))
		return FAIL(c, "expected an object, found the end of input");
	switch (*c->p) {
	case '<':
		if (read_iri(c, &s, &n))
			return -1;
		t->kind = CAIRN_RDF_UID;
		return iri_uid(c, line, col, s, n, "object", &t->uid);
	case '"':
		return read_literal(c, t);
	case '*':
		t->kind = CAIRN_RDF_STAR;
		adv(c);
		return 0;
	default:
		if (at_blank(c)) {
			t->kind = CAIRN_RDF_BLANK;
			return read_blank(c, &t->blank);
		}
		return FAIL(c, "expected an object (a uid like <0x1>, a blank node, a string "
			       "literal, or * in a delete)");
	}
}

void cairn_rdf_term_clear(struct cairn_rdf_term *t)
{
	if (!t)
		return;
	free(t->blank);
	free(t->value);
	free(t->lang);
	free(t->type);
	memset(t, 0, sizeof *t);
}

static void quad_clear(struct cairn_rdf_quad *q)
{
	cairn_rdf_term_clear(&q->s);
	free(q->pred);
	cairn_rdf_term_clear(&q->o);
	memset(q, 0, sizeof *q);
}

static int quad_push(struct quad_vec *v, struct cairn_rdf_quad *q)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		struct cairn_rdf_quad *nv = realloc(v->v, cap * sizeof *nv);
		if (!nv)
			return -1;
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n++] = *q;
	memset(q, 0, sizeof *q);
	return 0;
}

static void quad_vec_free(struct quad_vec *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		quad_clear(&v->v[i]);
	free(v->v);
	memset(v, 0, sizeof *v);
}

static int parse_statement(struct cursor *c, int in_delete, struct quad_vec *v)
{
	struct cairn_rdf_quad q;
	int line, col, rc = -1;

	memset(&q, 0, sizeof q);
	q.line = c->line;
	q.col = c->col;
	if (parse_subject(c, &q.s))
		goto out;
	skip_ws(c);
	if (parse_predicate(c, &q.pred))
		goto out;
	skip_ws(c);
	line = c->line;
	col = c->col;
	if (parse_object(c, &q.o))
		goto out;
	if (q.o.kind == CAIRN_RDF_STAR && !in_delete) {
		fail_at(c, line, col, "'*' can only be the object of a delete");
		goto out;
	}
	line = c->line;
	skip_ws(c);
	if (at_end(c)) {
		FAIL(c, "expected '.' after object, found the end of input");
		goto out;
	}
	if (*c->p != '.') {
		int term = *c->p == '<' || *c->p == '"' || at_blank(c);
		if (term && c->line == line)
			FAIL(c, "labels are not supported: end the statement with '.' after the "
				"object");
		else
			FAIL(c, "expected '.' after object");
		goto out;
	}
	adv(c);
	if (quad_push(v, &q)) {
		oom(c);
		goto out;
	}
	rc = 0;
out:
	quad_clear(&q);
	return rc;
}

/* Statements up to '}' (in a block) or the end of input (bare N-Quads). */
static int parse_statements(struct cursor *c, int in_delete, struct quad_vec *v, const char *block,
			    int open_line, int open_col)
{
	for (;;) {
		skip_ws(c);
		if (at_end(c)) {
			if (!block)
				return 0;
			return FAIL(c,
				    "missing '}' to close the %s block opened at line %d column %d",
				    block, open_line, open_col);
		}
		if (block && *c->p == '}') {
			adv(c);
			return 0;
		}
		if (parse_statement(c, in_delete, v))
			return -1;
	}
}

/* { set { ... } delete { ... } }: each block at most once, in any order. */
static int parse_blocks(struct cursor *c, struct quad_vec *set, struct quad_vec *del)
{
	int open_line = c->line, open_col = c->col;
	int seen_set = 0, seen_del = 0;

	adv(c);
	for (;;) {
		int line, col, is_del;
		const char *word;
		size_t n;

		skip_ws(c);
		if (at_end(c))
			return FAIL(c,
				    "missing '}' to close the mutation opened at line %d column %d",
				    open_line, open_col);
		if (*c->p == '}') {
			adv(c);
			break;
		}
		line = c->line;
		col = c->col;
		word = c->p;
		while (!at_end(c) && is_alpha(*c->p))
			adv(c);
		n = (size_t)(c->p - word);
		if (n == 3 && !strncasecmp(word, "set", 3)) {
			is_del = 0;
		} else if (n == 6 && !strncasecmp(word, "delete", 6)) {
			is_del = 1;
		} else if (n) {
			return fail_at(c, line, col,
				       "unknown block \"%.*s\": expected set or delete",
				       echo_len(word, n), word);
		} else {
			return FAIL(c, "expected \"set {\" or \"delete {\"");
		}
		if (is_del ? seen_del++ : seen_set++)
			return fail_at(c, line, col,
				       "the %s block appears twice; merge them into one",
				       is_del ? "delete" : "set");
		skip_ws(c);
		if (at_end(c) || *c->p != '{')
			return FAIL(c, "expected '{' after %s", is_del ? "delete" : "set");
		line = c->line;
		col = c->col;
		adv(c);
		if (parse_statements(c, is_del, is_del ? del : set, is_del ? "delete" : "set", line,
				     col))
			return -1;
	}
	skip_ws(c);
	if (!at_end(c))
		return FAIL(c, "unexpected text after the '}' that closes the mutation");
	return 0;
}

int cairn_rdf_parse(const char *body, size_t len, struct cairn_rdf_mutation *out, cairn_err *err)
{
	struct cursor c = {body, body + len, 1, 1, err};
	struct quad_vec set = {0}, del = {0};
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (err)
		err->msg[0] = '\0';
	if (!body)
		c.p = c.end = "";
	if (c.end - c.p >= 3 && !memcmp(c.p, "\xEF\xBB\xBF", 3))
		c.p += 3;
	skip_ws(&c);
	if (!at_end(&c) && *c.p == '{') {
		if (parse_blocks(&c, &set, &del))
			goto out;
	} else if (parse_statements(&c, 0, &set, NULL, 0, 0)) {
		goto out;
	}
	out->set = set.v;
	out->nset = set.n;
	out->del = del.v;
	out->ndel = del.n;
	memset(&set, 0, sizeof set);
	memset(&del, 0, sizeof del);
	rc = 0;
out:
	quad_vec_free(&set);
	quad_vec_free(&del);
	return rc;
}

void cairn_rdf_clear(struct cairn_rdf_mutation *m)
{
	struct quad_vec v;

	if (!m)
		return;
	v = (struct quad_vec){m->set, m->nset, m->nset};
	quad_vec_free(&v);
	v = (struct quad_vec){m->del, m->ndel, m->ndel};
	quad_vec_free(&v);
	memset(m, 0, sizeof *m);
}

static size_t escaped_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		unsigned char b = (unsigned char)*s;
		if (b == '"' || b == '\\' || b == '\n' || b == '\r' || b == '\t')
			n += 2;
		else if (b < 0x20)
			n += 6;
		else
			n++;
	}
	return n;
}

static char *put_escaped(char *d, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char b = (unsigned char)*s;
		switch (b) {
		case '"':
		case '\\':
			*d++ = '\\';
			*d++ = (char)b;
			break;
		case '\n':
			*d++ = '\\';
			*d++ = 'n';
			break;
		case '\r':
			*d++ = '\\';
			*d++ = 'r';
			break;
		case '\t':
			*d++ = '\\';
			*d++ = 't';
			break;
		default:
			if (b < 0x20) {
				memcpy(d, "\\u00", 4);
				d[4] = hex[b >> 4];
				d[5] = hex[b & 15];
				d += 6;
			} else {
				*d++ = (char)b;
			}
		}
	}
	return d;
}

/* A term with both a language tag and a type (which the parser never makes)
 * is written with its language tag only. */
char *cairn_rdf_object_text(const struct cairn_rdf_term *o)
{
	char *s, *d;
	size_t n;

	if (!o)
		return NULL;
	if (o->kind == CAIRN_RDF_UID) {
		s = malloc(24);
		if (s)
			snprintf(s, 24, "<0x%" PRIx64 ">", o->uid);
		return s;
	}
	if (o->kind != CAIRN_RDF_LITERAL || !o->value)
		return NULL;
	n = escaped_len(o->value) + 3;
	if (o->lang)
		n += 1 + strlen(o->lang);
	else if (o->type)
		n += 4 + strlen(o->type);
	s = malloc(n);
	if (!s)
		return NULL;
	d = s;
	*d++ = '"';
	d = put_escaped(d, o->value);
	*d++ = '"';
	if (o->lang)
		d += sprintf(d, "@%s", o->lang);
	else if (o->type)
		d += sprintf(d, "^^<%s>", o->type);
	*d = '\0';
	return s;
}

int cairn_rdf_parse_object_text(const char *text, struct cairn_rdf_term *out, cairn_err *err)
{
	struct cursor c = {text, text, 1, 1, err};
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (err)
		err->msg[0] = '\0';
	if (!text) {
		FAIL(&c, "no object text");
		goto out;
	}
	c.end = text + strlen(text);
	if (parse_object(&c, out))
		goto out;
	if (out->kind != CAIRN_RDF_UID && out->kind != CAIRN_RDF_LITERAL) {
		fail_at(&c, 1, 1, "expected a uid like <0x1> or a string literal");
		goto out;
	}
	if (!at_end(&c)) {
		FAIL(&c, "unexpected text after the object");
		goto out;
	}
	rc = 0;
out:
	if (rc)
		cairn_rdf_term_clear(out);
	return rc;
}
