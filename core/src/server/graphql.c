/* graphql.c — GraphQL executable documents: lexer, parser, validation
 * against a schema description, and the spec's execution helpers
 * (GetOperation, CoerceVariableValues, CoerceArgumentValues, CollectFields).
 *
 * A document's nodes all live in one arena owned by the document, so the
 * parser never frees piecemeal and cairn_gql_free is one walk over chunks.
 * Names are looked up through small hash indexes so that no step is
 * quadratic in the size of a hostile document. */
#include "textutil.h"
#include "server/graphql.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GQL_MAX_DEPTH 64	   /* nesting of selections, values and types */
#define GQL_MAX_VALIDATE_DEPTH 128 /* the same, plus fragment spreads */
#define ARENA_CHUNK 65536

/* ---- memory ---- */

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	max_align_t data[];
};

static void *arena_alloc(struct arena_chunk **head, size_t n)
{
	const size_t align = sizeof(max_align_t);
	struct arena_chunk *c = *head;
	void *p;

	n = n ? (n + align - 1) / align * align : align;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
		c = calloc(1, sizeof *c + cap);
		if (!c)
			return NULL;
		c->cap = cap;
		c->next = *head;
		*head = c;
	}
	p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

static void arena_free(struct arena_chunk *c)
{
	while (c) {
		struct arena_chunk *next = c->next;
		free(c);
		c = next;
	}
}

/* An open-addressing map from a name (not copied) to an index. */
struct name_slot {
	const char *key;
	size_t val;
};

struct name_index {
	struct name_slot *slots;
	size_t cap, n;
};

static uint64_t hash_name(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static void nix_free(struct name_index *ix)
{
	free(ix->slots);
	memset(ix, 0, sizeof *ix);
}

static struct name_slot *nix_slot(const struct name_index *ix, const char *key)
{
	size_t i = (size_t)hash_name(key) & (ix->cap - 1);

	while (ix->slots[i].key && strcmp(ix->slots[i].key, key))
		i = (i + 1) & (ix->cap - 1);
	return &ix->slots[i];
}

static const size_t *nix_get(const struct name_index *ix, const char *key)
{
	struct name_slot *s;

	if (!ix->cap)
		return NULL;
	s = nix_slot(ix, key);
	return s->key ? &s->val : NULL;
}

/* Adds key -> val unless key is there already. Returns -1 when out of memory. */
static int nix_put(struct name_index *ix, const char *key, size_t val)
{
	struct name_slot *s;

	if ((ix->n + 1) * 2 > ix->cap) {
		struct name_index big = {0};
		size_t i;
		big.cap = ix->cap ? ix->cap * 2 : 16;
		big.slots = calloc(big.cap, sizeof *big.slots);
		if (!big.slots)
			return -1;
		for (i = 0; i < ix->cap; i++)
			if (ix->slots[i].key)
				*nix_slot(&big, ix->slots[i].key) = ix->slots[i];
		big.n = ix->n;
		free(ix->slots);
		*ix = big;
	}
	s = nix_slot(ix, key);
	if (!s->key) {
		s->key = key;
		s->val = val;
		ix->n++;
	}
	return 0;
}

struct cairn_gql_doc_internal {
	struct arena_chunk *arena;
	struct name_index frags; /* name -> first fragment of that name */
};

/* ---- errors ---- */

__attribute__((format(printf, 4, 5))) static int set_err(struct cairn_gql_error *e, int line,
							 int col, const char *fmt, ...)
{
	va_list ap;

	if (e) {
		e->line = line;
		e->col = col;
		va_start(ap, fmt);
		vsnprintf(e->message, sizeof e->message, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int no_memory(struct cairn_gql_error *e) { return set_err(e, 0, 0, "out of memory"); }

static const char *article(const char *name, size_t n)
{
	return n && strchr("AEIOU", name[0]) ? "an" : "a";
}

/* ---- UTF-8 ---- */

static uint32_t utf8_decode(const unsigned char *s, size_t k)
{
	switch (k) {
	case 1:
		return s[0];
	case 2:
		return (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
	case 3:
		return (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
	default:
		return (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
		       (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
	}
}

/* ---- lexer ---- */

enum tok {
	T_EOF,
	T_BANG,
	T_DOLLAR,
	T_AMP,
	T_PAREN_L,
	T_PAREN_R,
	T_SPREAD,
	T_COLON,
	T_EQUALS,
	T_AT,
	T_BRACKET_L,
	T_BRACKET_R,
	T_BRACE_L,
	T_PIPE,
	T_BRACE_R,
	T_NAME,
	T_INT,
	T_FLOAT,
	T_STRING,
	T_BLOCK_STRING
};

struct token {
	enum tok kind;
	const char *s; /* the source text of the token */
	size_t n;
	const char *str; /* strings: the decoded value */
	int line, col;
};

struct parser {
	const char *p, *end;
	int line, col; /* of *p; col counts characters */
	struct token tok;
	struct arena_chunk **arena;
	struct cairn_gql_error *err;
	int depth;
};

static void adv(struct parser *ps)
{
	unsigned char b = (unsigned char)*ps->p++;

	if (b == '\n' || (b == '\r' && (ps->p >= ps->end || *ps->p != '\n'))) {
		ps->line++;
		ps->col = 1;
	} else if (b != '\r' && (b & 0xC0) != 0x80) {
		ps->col++;
	}
}

static int is_name_start(char c)
{
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int is_name_char(char c) { return is_name_start(c) || is_digit(c); }

__attribute__((format(printf, 2, 3))) static int lex_fail(struct parser *ps, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return set_err(ps->err, ps->line, ps->col, "%s", msg);
}

static void skip_ignored(struct parser *ps)
{
	while (ps->p < ps->end) {
		unsigned char b = (unsigned char)*ps->p;
		if (b == ' ' || b == '\t' || b == ',' || b == '\n' || b == '\r') {
			adv(ps);
		} else if (b == '#') {
			while (ps->p < ps->end && *ps->p != '\n' && *ps->p != '\r')
				adv(ps);
		} else if (b == 0xEF && ps->end - ps->p >= 3 && (unsigned char)ps->p[1] == 0xBB &&
			   (unsigned char)ps->p[2] == 0xBF) {
			adv(ps);
			adv(ps);
			adv(ps);
		} else {
			break;
		}
	}
}

static void *palloc(struct parser *ps, size_t n)
{
	void *p = arena_alloc(ps->arena, n);

	if (!p)
		no_memory(ps->err);
	return p;
}

static int read_unicode_escape(struct parser *ps, const char *stop, uint32_t *cp)
{
	int line = ps->line, col = ps->col - 1; /* at the backslash */
	uint32_t v = 0, lo = 0;
	int i, digits = 0, big = 0;

	adv(ps); /* u */
	if (ps->p < stop && *ps->p == '{') {
		adv(ps);
		while (ps->p < stop && cairn_hexval(*ps->p) >= 0) {
			v = v * 16 + (uint32_t)cairn_hexval(*ps->p);
			if (v > 0x10FFFF) {
				big = 1;
				v = 0x110000;
			}
			digits++;
			adv(ps);
		}
		if (!digits || ps->p >= stop || *ps->p != '}')
			return set_err(ps->err, line, col,
				       "invalid unicode escape: write \\u{ and hex digits and }");
		adv(ps);
		if (big || (v >= 0xD800 && v <= 0xDFFF))
			return set_err(ps->err, line, col,
				       "unicode escape is not a valid Unicode scalar value");
		*cp = v;
		return 0;
	}
	for (i = 0; i < 4; i++) {
		if (ps->p >= stop || cairn_hexval(*ps->p) < 0)
			return set_err(ps->err, line, col,
				       "invalid unicode escape: \\u needs four hex digits");
		v = v * 16 + (uint32_t)cairn_hexval(*ps->p);
		adv(ps);
	}
	if (v >= 0xDC00 && v <= 0xDFFF)
		return set_err(ps->err, line, col, "unicode escape is a lone low surrogate");
	if (v >= 0xD800 && v <= 0xDBFF) {
		if (stop - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u')
			return set_err(ps->err, line, col,
				       "unicode escape is a high surrogate without its low half");
		for (i = 2; i < 6; i++) {
			int h = cairn_hexval(ps->p[i]);
			if (h < 0)
				return set_err(
				    ps->err, line, col,
				    "unicode escape is a high surrogate without its low half");
			lo = lo * 16 + (uint32_t)h;
		}
		if (lo < 0xDC00 || lo > 0xDFFF)
			return set_err(ps->err, line, col,
				       "unicode escape is a high surrogate without its low half");
		for (i = 0; i < 6; i++)
			adv(ps);
		v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
	}
	*cp = v;
	return 0;
}

static int read_escape(struct parser *ps, const char *stop, char *buf, size_t *n)
{
	int line = ps->line, col = ps->col;
	uint32_t cp = 0;
	char e;

	adv(ps);
	e = *ps->p;
	switch (e) {
	case '"':
	case '\\':
	case '/':
		buf[(*n)++] = e;
		break;
	case 'b':
		buf[(*n)++] = '\b';
		break;
	case 'f':
		buf[(*n)++] = '\f';
		break;
	case 'n':
		buf[(*n)++] = '\n';
		break;
	case 'r':
		buf[(*n)++] = '\r';
		break;
	case 't':
		buf[(*n)++] = '\t';
		break;
	case 'u':
		if (read_unicode_escape(ps, stop, &cp))
			return -1;
		if (cp == 0)
			return set_err(ps->err, line, col, "strings cannot contain \\u0000");
		*n += cairn_utf8_put(buf + *n, cp);
		return 0;
	default:
		if ((unsigned char)e > 0x20 && (unsigned char)e < 0x7F)
			return set_err(ps->err, line, col, "invalid escape \\%c in a string", e);
		return set_err(ps->err, line, col, "invalid escape in a string");
	}
	adv(ps);
	return 0;
}

static int lex_string(struct parser *ps)
{
	struct token *t = &ps->tok;
	const char *q = ps->p + 1;
	char *buf;
	size_t n = 0;

	while (q < ps->end && *q != '"' && *q != '\n' && *q != '\r')
		q += (*q == '\\' && q + 1 < ps->end) ? 2 : 1;
	if (q >= ps->end || *q != '"')
		return set_err(ps->err, t->line, t->col,
			       "unterminated string: close it with '\"' on the same line, or use "
			       "a block string \"\"\"...\"\"\"");
	/* escapes only ever shrink, so the raw length is enough */
	buf = palloc(ps, (size_t)(q - ps->p));
	if (!buf)
		return -1;
	adv(ps);
	while (ps->p < q) {
		if (*ps->p == '\\') {
			if (read_escape(ps, q, buf, &n))
				return -1;
		} else if (*ps->p == '\0') {
			return lex_fail(ps, "%s", "strings cannot contain a NUL character");
		} else {
			buf[n++] = *ps->p;
			adv(ps);
		}
	}
	adv(ps);
	buf[n] = '\0';
	t->kind = T_STRING;
	t->str = buf;
	t->n = (size_t)(ps->p - t->s);
	return 0;
}

static int only_blanks(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

/* The spec's BlockStringValue: drop the common indentation of all lines but
 * the first, then blank lines at the start and end; join with \n. */
static char *block_string_value(struct parser *ps, const char *raw, size_t len)
{
	struct span {
		const char *s;
		size_t n;
	} * lines;
	size_t nlines = 1, i, k, first, last, common = SIZE_MAX;
	char *out, *d;

	for (i = 0; i < len; i++)
		if (raw[i] == '\n' || (raw[i] == '\r' && (i + 1 >= len || raw[i + 1] != '\n')))
			nlines++;
	lines = palloc(ps, nlines * sizeof *lines);
	out = palloc(ps, len + 1);
	if (!lines || !out)
		return NULL;
	lines[0].s = raw;
	for (i = 0, k = 0; i < len; i++) {
		if (raw[i] == '\n' || raw[i] == '\r') {
			lines[k].n = (size_t)(raw + i - lines[k].s);
			if (raw[i] == '\r' && i + 1 < len && raw[i + 1] == '\n')
				i++;
			lines[++k].s = raw + i + 1;
		}
	}
	lines[k].n = (size_t)(raw + len - lines[k].s);
	for (i = 1; i < nlines; i++) {
		size_t indent = 0;
		while (indent < lines[i].n &&
		       (lines[i].s[indent] == ' ' || lines[i].s[indent] == '\t'))
			indent++;
		if (indent < lines[i].n && indent < common)
			common = indent;
	}
	if (common != SIZE_MAX) {
		for (i = 1; i < nlines; i++) {
			size_t cut = common < lines[i].n ? common : lines[i].n;
			lines[i].s += cut;
			lines[i].n -= cut;
		}
	}
	first = 0;
	last = nlines;
	while (first < last && only_blanks(lines[first].s, lines[first].n))
		first++;
	while (last > first && only_blanks(lines[last - 1].s, lines[last - 1].n))
		last--;
	d = out;
	for (i = first; i < last; i++) {
		if (i > first)
			*d++ = '\n';
		memcpy(d, lines[i].s, lines[i].n);
		d += lines[i].n;
	}
	*d = '\0';
	return out;
}

static int is_triple_quote(const char *p, const char *end)
{
	return end - p >= 3 && p[0] == '"' && p[1] == '"' && p[2] == '"';
}

static int is_escaped_triple(const char *p, const char *end)
{
	return end - p >= 4 && p[0] == '\\' && is_triple_quote(p + 1, end);
}

static int lex_block_string(struct parser *ps)
{
	struct token *t = &ps->tok;
	const char *start = ps->p + 3, *q = start, *s;
	char *raw;
	size_t n = 0;

	for (;;) {
		if (ps->end - q < 3)
			return set_err(ps->err, t->line, t->col,
				       "unterminated block string: close it with \"\"\"");
		if (is_triple_quote(q, ps->end))
			break;
		q += is_escaped_triple(q, ps->end) ? 4 : 1;
	}
	raw = palloc(ps, (size_t)(q - start) + 1);
	if (!raw)
		return -1;
	for (s = start; s < q;) {
		if (is_escaped_triple(s, q)) {
			memcpy(raw + n, "\"\"\"", 3);
			n += 3;
			s += 4;
		} else {
			if (*s == '\0') {
				while (ps->p < s)
					adv(ps);
				return lex_fail(ps, "%s", "strings cannot contain a NUL character");
			}
			raw[n++] = *s++;
		}
	}
	while (ps->p < q + 3)
		adv(ps);
	t->str = block_string_value(ps, raw, n);
	if (!t->str)
		return -1;
	t->kind = T_BLOCK_STRING;
	t->n = (size_t)(ps->p - t->s);
	return 0;
}

static int lex_number(struct parser *ps)
{
	struct token *t = &ps->tok;
	int is_float = 0;

	if (*ps->p == '-')
		adv(ps);
	if (ps->p < ps->end && *ps->p == '0') {
		adv(ps);
		if (ps->p < ps->end && is_digit(*ps->p))
			return lex_fail(ps, "%s",
					"invalid number: a number cannot start with 0 "
					"followed by another digit");
	} else if (ps->p < ps->end && is_digit(*ps->p)) {
		while (ps->p < ps->end && is_digit(*ps->p))
			adv(ps);
	} else {
		return lex_fail(ps, "%s", "invalid number: expected a digit after '-'");
	}
	if (ps->p < ps->end && *ps->p == '.') {
		adv(ps);
		if (ps->p >= ps->end || !is_digit(*ps->p))
			return lex_fail(ps, "%s", "invalid number: expected a digit after '.'");
		while (ps->p < ps->end && is_digit(*ps->p))
			adv(ps);
		is_float = 1;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		adv(ps);
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			adv(ps);
		if (ps->p >= ps->end || !is_digit(*ps->p))
			return lex_fail(ps, "%s",
					"invalid number: expected a digit in the exponent");
		while (ps->p < ps->end && is_digit(*ps->p))
			adv(ps);
		is_float = 1;
	}
	if (ps->p < ps->end && (*ps->p == '.' || is_name_start(*ps->p))) {
		char c[2] = {*ps->p, 0};
		return lex_fail(ps, "invalid number: unexpected '%s' right after it", c);
	}
	t->kind = is_float ? T_FLOAT : T_INT;
	t->n = (size_t)(ps->p - t->s);
	return 0;
}

static int lex_unexpected(struct parser *ps)
{
	const unsigned char *s = (const unsigned char *)ps->p;
	size_t k = cairn_utf8_seq(s, (size_t)(ps->end - ps->p));
	uint32_t cp = k ? utf8_decode(s, k) : s[0];

	if (cp > 0x20 && cp < 0x7F)
		return set_err(ps->err, ps->line, ps->col, "unexpected character '%c'", (char)cp);
	return set_err(ps->err, ps->line, ps->col, "unexpected character U+%04X", (unsigned)cp);
}

static int lex(struct parser *ps)
{
	static const char punct[] = "!$&():=@[]{|}";
	static const enum tok kinds[] = {T_BANG,    T_DOLLAR, T_AMP,	T_PAREN_L,   T_PAREN_R,
					 T_COLON,   T_EQUALS, T_AT,	T_BRACKET_L, T_BRACKET_R,
					 T_BRACE_L, T_PIPE,   T_BRACE_R};
	struct token *t = &ps->tok;
	const char *pc;
	char c;

	skip_ignored(ps);
	t->line = ps->line;
	t->col = ps->col;
	t->s = ps->p;
	t->n = 0;
	t->str = NULL;
	if (ps->p >= ps->end) {
		t->kind = T_EOF;
		return 0;
	}
	c = *ps->p;
	if (c && (pc = strchr(punct, c))) {
		t->kind = kinds[pc - punct];
		t->n = 1;
		adv(ps);
		return 0;
	}
	if (c == '.') {
		if (ps->end - ps->p >= 3 && ps->p[1] == '.' && ps->p[2] == '.') {
			adv(ps);
			adv(ps);
			adv(ps);
			t->kind = T_SPREAD;
			t->n = 3;
			return 0;
		}
		return lex_fail(ps, "%s", "unexpected '.': a fragment spread is written '...'");
	}
	if (c == '"')
		return is_triple_quote(ps->p, ps->end) ? lex_block_string(ps) : lex_string(ps);
	if (c == '-' || is_digit(c))
		return lex_number(ps);
	if (is_name_start(c)) {
		while (ps->p < ps->end && is_name_char(*ps->p))
			adv(ps);
		t->kind = T_NAME;
		t->n = (size_t)(ps->p - t->s);
		return 0;
	}
	return lex_unexpected(ps);
}

/* ---- parser ---- */

static void tok_desc(const struct token *t, char *buf, size_t n)
{
	switch (t->kind) {
	case T_EOF:
		snprintf(buf, n, "the end of the document");
		break;
	case T_NAME:
		snprintf(buf, n, "\"%.*s\"", (int)(t->n > 40 ? 40 : t->n), t->s);
		break;
	case T_INT:
	case T_FLOAT:
		snprintf(buf, n, "a number");
		break;
	case T_STRING:
	case T_BLOCK_STRING:
		snprintf(buf, n, "a string");
		break;
	default:
		snprintf(buf, n, "\"%.*s\"", (int)t->n, t->s);
	}
}

static int expected(struct parser *ps, const char *what)
{
	char found[64];

	tok_desc(&ps->tok, found, sizeof found);
	return set_err(ps->err, ps->tok.line, ps->tok.col, "expected %s, found %s", what, found);
}

static int expect(struct parser *ps, enum tok kind, const char *what)
{
	if (ps->tok.kind != kind)
		return expected(ps, what);
	return lex(ps);
}

static int is_keyword(const struct parser *ps, const char *kw)
{
	size_t n = strlen(kw);

	return ps->tok.kind == T_NAME && ps->tok.n == n && !memcmp(ps->tok.s, kw, n);
}

static const char *tok_name(struct parser *ps)
{
	char *s = palloc(ps, ps->tok.n + 1);

	if (s) {
		memcpy(s, ps->tok.s, ps->tok.n);
		s[ps->tok.n] = '\0';
	}
	return s;
}

/* Room for one more element in an arena array; returns the (maybe moved)
 * array, or NULL when out of memory. */
static void *grow(struct parser *ps, void *arr, size_t n, size_t *cap, size_t size)
{
	void *na;

	if (n < *cap)
		return arr;
	*cap = *cap ? *cap * 2 : 4;
	na = palloc(ps, *cap * size);
	if (na && n)
		memcpy(na, arr, n * size);
	return na;
}

static int enter(struct parser *ps)
{
	if (++ps->depth > GQL_MAX_DEPTH)
		return set_err(ps->err, ps->tok.line, ps->tok.col,
			       "the document nests too deeply (more than %d levels)",
			       GQL_MAX_DEPTH);
	return 0;
}

static int parse_value(struct parser *ps, int is_const, struct cairn_gql_value *v);

static int parse_list(struct parser *ps, int is_const, struct cairn_gql_value *v)
{
	size_t cap = 0;

	v->kind = CAIRN_GQL_LIST;
	if (enter(ps) || lex(ps))
		return -1;
	while (ps->tok.kind != T_BRACKET_R) {
		if (ps->tok.kind == T_EOF)
			return expected(ps, "']' to close the list");
		v->items = grow(ps, v->items, v->nitems, &cap, sizeof *v->items);
		if (!v->items || parse_value(ps, is_const, &v->items[v->nitems]))
			return -1;
		v->nitems++;
	}
	ps->depth--;
	return lex(ps);
}

static int parse_object(struct parser *ps, int is_const, struct cairn_gql_value *v)
{
	size_t cap = 0;

	v->kind = CAIRN_GQL_OBJECT;
	if (enter(ps) || lex(ps))
		return -1;
	while (ps->tok.kind != T_BRACE_R) {
		struct cairn_gql_arg *f;
		if (ps->tok.kind != T_NAME)
			return expected(ps, "a field name or '}'");
		v->fields = grow(ps, v->fields, v->nfields, &cap, sizeof *v->fields);
		if (!v->fields)
			return -1;
		f = &v->fields[v->nfields];
		f->line = ps->tok.line;
		f->col = ps->tok.col;
		if (!(f->name = tok_name(ps)) || lex(ps) ||
		    expect(ps, T_COLON, "':' after the field name") ||
		    parse_value(ps, is_const, &f->value))
			return -1;
		v->nfields++;
	}
	ps->depth--;
	return lex(ps);
}

static int parse_value(struct parser *ps, int is_const, struct cairn_gql_value *v)
{
	v->line = ps->tok.line;
	v->col = ps->tok.col;
	switch (ps->tok.kind) {
	case T_DOLLAR:
		if (is_const)
			return set_err(ps->err, v->line, v->col,
				       "a default value cannot use a variable");
		if (lex(ps))
			return -1;
		if (ps->tok.kind != T_NAME)
			return expected(ps, "a variable name after '$'");
		v->kind = CAIRN_GQL_VARIABLE;
		break;
	case T_INT:
		v->kind = CAIRN_GQL_INT;
		break;
	case T_FLOAT:
		v->kind = CAIRN_GQL_FLOAT;
		break;
	case T_STRING:
	case T_BLOCK_STRING:
		v->kind = CAIRN_GQL_STRING;
		v->text = ps->tok.str;
		return lex(ps);
	case T_NAME:
		if (is_keyword(ps, "true") || is_keyword(ps, "false")) {
			v->kind = CAIRN_GQL_BOOLEAN;
			v->boolean = is_keyword(ps, "true");
			return lex(ps);
		}
		if (is_keyword(ps, "null")) {
			v->kind = CAIRN_GQL_NULL;
			return lex(ps);
		}
		v->kind = CAIRN_GQL_ENUM;
		break;
	case T_BRACKET_L:
		return parse_list(ps, is_const, v);
	case T_BRACE_L:
		return parse_object(ps, is_const, v);
	default:
		return expected(ps, "a value");
	}
	if (!(v->text = tok_name(ps)))
		return -1;
	return lex(ps);
}

static int parse_arguments(struct parser *ps, int is_const, struct cairn_gql_arg **args, size_t *n)
{
	size_t cap = 0;

	if (lex(ps))
		return -1;
	if (ps->tok.kind == T_PAREN_R)
		return expected(ps, "an argument name");
	while (ps->tok.kind != T_PAREN_R) {
		struct cairn_gql_arg *a;
		if (ps->tok.kind != T_NAME)
			return expected(ps, "an argument name or ')'");
		*args = grow(ps, *args, *n, &cap, sizeof **args);
		if (!*args)
			return -1;
		a = &(*args)[*n];
		a->line = ps->tok.line;
		a->col = ps->tok.col;
		if (!(a->name = tok_name(ps)) || lex(ps) ||
		    expect(ps, T_COLON, "':' after the argument name") ||
		    parse_value(ps, is_const, &a->value))
			return -1;
		(*n)++;
	}
	return lex(ps);
}

static int parse_directives(struct parser *ps, int is_const, struct cairn_gql_directive **dirs,
			    size_t *n)
{
	size_t cap = 0;

	while (ps->tok.kind == T_AT) {
		struct cairn_gql_directive *d;
		*dirs = grow(ps, *dirs, *n, &cap, sizeof **dirs);
		if (!*dirs)
			return -1;
		d = &(*dirs)[*n];
		d->line = ps->tok.line;
		d->col = ps->tok.col;
		if (lex(ps))
			return -1;
		if (ps->tok.kind != T_NAME)
			return expected(ps, "a directive name after '@'");
		if (!(d->name = tok_name(ps)) || lex(ps))
			return -1;
		if (ps->tok.kind == T_PAREN_L && parse_arguments(ps, is_const, &d->args, &d->nargs))
			return -1;
		(*n)++;
	}
	return 0;
}

/* Reads a type into its canonical text, e.g. "[Int!]!". */
static int parse_type(struct parser *ps, const char **out)
{
	const char *inner;
	char *s;
	size_t n;

	if (enter(ps))
		return -1;
	if (ps->tok.kind == T_BRACKET_L) {
		if (lex(ps) || parse_type(ps, &inner) ||
		    expect(ps, T_BRACKET_R, "']' to close the list type"))
			return -1;
		n = strlen(inner) + 2;
		if (!(s = palloc(ps, n + 2)))
			return -1;
		snprintf(s, n + 1, "[%s]", inner);
	} else if (ps->tok.kind == T_NAME) {
		n = ps->tok.n;
		if (!(s = palloc(ps, n + 2)))
			return -1;
		memcpy(s, ps->tok.s, n);
		s[n] = '\0';
		if (lex(ps))
			return -1;
	} else {
		return expected(ps, "a type");
	}
	if (ps->tok.kind == T_BANG) {
		s[n] = '!';
		s[n + 1] = '\0';
		if (lex(ps))
			return -1;
	}
	ps->depth--;
	*out = s;
	return 0;
}

static int parse_selection_set(struct parser *ps, struct cairn_gql_selection_set *set);

static int parse_selection(struct parser *ps, struct cairn_gql_selection *sel)
{
	sel->line = ps->tok.line;
	sel->col = ps->tok.col;
	if (ps->tok.kind == T_SPREAD) {
		if (lex(ps))
			return -1;
		if (ps->tok.kind == T_NAME && !is_keyword(ps, "on")) {
			sel->kind = CAIRN_GQL_FRAGMENT_SPREAD;
			if (!(sel->name = tok_name(ps)) || lex(ps))
				return -1;
			return parse_directives(ps, 0, &sel->directives, &sel->ndirectives);
		}
		sel->kind = CAIRN_GQL_INLINE_FRAGMENT;
		if (is_keyword(ps, "on")) {
			if (lex(ps))
				return -1;
			if (ps->tok.kind != T_NAME)
				return expected(ps, "a type name after \"on\"");
			if (!(sel->type_condition = tok_name(ps)) || lex(ps))
				return -1;
		}
		if (parse_directives(ps, 0, &sel->directives, &sel->ndirectives))
			return -1;
		if (ps->tok.kind != T_BRACE_L)
			return expected(ps, "'{' to start the inline fragment's selections");
		return parse_selection_set(ps, &sel->sel);
	}
	if (ps->tok.kind != T_NAME)
		return expected(ps, "a field, a fragment spread or '}'");
	sel->kind = CAIRN_GQL_FIELD;
	if (!(sel->name = tok_name(ps)) || lex(ps))
		return -1;
	if (ps->tok.kind == T_COLON) {
		sel->alias = sel->name;
		if (lex(ps))
			return -1;
		if (ps->tok.kind != T_NAME)
			return expected(ps, "a field name after the alias");
		if (!(sel->name = tok_name(ps)) || lex(ps))
			return -1;
	}
	if (ps->tok.kind == T_PAREN_L && parse_arguments(ps, 0, &sel->args, &sel->nargs))
		return -1;
	if (parse_directives(ps, 0, &sel->directives, &sel->ndirectives))
		return -1;
	if (ps->tok.kind == T_BRACE_L)
		return parse_selection_set(ps, &sel->sel);
	return 0;
}

static int parse_selection_set(struct parser *ps, struct cairn_gql_selection_set *set)
{
	size_t cap = 0;

	if (enter(ps) || lex(ps))
		return -1;
	if (ps->tok.kind == T_BRACE_R)
		return set_err(ps->err, ps->tok.line, ps->tok.col,
			       "a selection set cannot be empty: select at least one field");
	while (ps->tok.kind != T_BRACE_R) {
		if (ps->tok.kind == T_EOF)
			return expected(ps, "'}' to close the selection set");
		set->items = grow(ps, set->items, set->n, &cap, sizeof *set->items);
		if (!set->items || parse_selection(ps, &set->items[set->n]))
			return -1;
		set->n++;
	}
	ps->depth--;
	return lex(ps);
}

static int parse_variable_defs(struct parser *ps, struct cairn_gql_operation *op)
{
	size_t cap = 0;

	if (lex(ps))
		return -1;
	if (ps->tok.kind == T_PAREN_R)
		return expected(ps, "a variable definition like $name: String");
	while (ps->tok.kind != T_PAREN_R) {
		struct cairn_gql_variable_def *d;
		if (ps->tok.kind != T_DOLLAR)
			return expected(ps, "a variable definition like $name: String");
		op->vars = grow(ps, op->vars, op->nvars, &cap, sizeof *op->vars);
		if (!op->vars)
			return -1;
		d = &op->vars[op->nvars];
		d->line = ps->tok.line;
		d->col = ps->tok.col;
		if (lex(ps))
			return -1;
		if (ps->tok.kind != T_NAME)
			return expected(ps, "a variable name after '$'");
		if (!(d->name = tok_name(ps)) || lex(ps) ||
		    expect(ps, T_COLON, "':' and a type after the variable name") ||
		    parse_type(ps, &d->type))
			return -1;
		if (ps->tok.kind == T_EQUALS) {
			if (lex(ps) || !(d->default_value = palloc(ps, sizeof *d->default_value)) ||
			    parse_value(ps, 1, d->default_value))
				return -1;
		}
		if (parse_directives(ps, 1, &d->directives, &d->ndirectives))
			return -1;
		op->nvars++;
	}
	return lex(ps);
}

static int parse_operation(struct parser *ps, struct cairn_gql_operation *op)
{
	op->line = ps->tok.line;
	op->col = ps->tok.col;
	op->type = CAIRN_GQL_QUERY;
	if (ps->tok.kind == T_BRACE_L)
		return parse_selection_set(ps, &op->sel);
	if (is_keyword(ps, "mutation"))
		op->type = CAIRN_GQL_MUTATION;
	else if (is_keyword(ps, "subscription"))
		op->type = CAIRN_GQL_SUBSCRIPTION;
	if (lex(ps))
		return -1;
	if (ps->tok.kind == T_NAME && (!(op->name = tok_name(ps)) || lex(ps)))
		return -1;
	if (ps->tok.kind == T_PAREN_L && parse_variable_defs(ps, op))
		return -1;
	if (parse_directives(ps, 0, &op->directives, &op->ndirectives))
		return -1;
	if (ps->tok.kind != T_BRACE_L)
		return expected(ps, "'{' to start the operation's selections");
	return parse_selection_set(ps, &op->sel);
}

static int parse_fragment(struct parser *ps, struct cairn_gql_fragment *f)
{
	f->line = ps->tok.line;
	f->col = ps->tok.col;
	if (lex(ps))
		return -1;
	if (ps->tok.kind != T_NAME)
		return expected(ps, "a fragment name");
	if (is_keyword(ps, "on"))
		return set_err(ps->err, ps->tok.line, ps->tok.col,
			       "a fragment cannot be named \"on\"");
	if (!(f->name = tok_name(ps)) || lex(ps))
		return -1;
	if (!is_keyword(ps, "on"))
		return expected(ps, "\"on\" and a type after the fragment name");
	if (lex(ps))
		return -1;
	if (ps->tok.kind != T_NAME)
		return expected(ps, "a type name after \"on\"");
	if (!(f->type_condition = tok_name(ps)) || lex(ps) ||
	    parse_directives(ps, 0, &f->directives, &f->ndirectives))
		return -1;
	if (ps->tok.kind != T_BRACE_L)
		return expected(ps, "'{' to start the fragment's selections");
	return parse_selection_set(ps, &f->sel);
}

static int is_type_system_keyword(const struct parser *ps)
{
	static const char *const kw[] = {"schema", "scalar", "type",   "interface", "union",
					 "enum",   "input",  "extend", "directive"};
	size_t i;

	for (i = 0; i < sizeof kw / sizeof kw[0]; i++)
		if (is_keyword(ps, kw[i]))
			return 1;
	return 0;
}

static int parse_document(struct parser *ps, struct cairn_gql_document *doc)
{
	size_t op_cap = 0, frag_cap = 0;

	if (lex(ps))
		return -1;
	while (ps->tok.kind != T_EOF) {
		if (ps->tok.kind == T_BRACE_L || is_keyword(ps, "query") ||
		    is_keyword(ps, "mutation") || is_keyword(ps, "subscription")) {
			doc->ops = grow(ps, doc->ops, doc->nops, &op_cap, sizeof *doc->ops);
			if (!doc->ops || parse_operation(ps, &doc->ops[doc->nops]))
				return -1;
			doc->nops++;
		} else if (is_keyword(ps, "fragment")) {
			doc->frags =
			    grow(ps, doc->frags, doc->nfrags, &frag_cap, sizeof *doc->frags);
			if (!doc->frags || parse_fragment(ps, &doc->frags[doc->nfrags]))
				return -1;
			doc->nfrags++;
		} else if (is_type_system_keyword(ps) || ps->tok.kind == T_STRING ||
			   ps->tok.kind == T_BLOCK_STRING) {
			return set_err(
			    ps->err, ps->tok.line, ps->tok.col,
			    "type system definitions are not allowed here: send a query or "
			    "a mutation");
		} else {
			return expected(ps, "query, mutation, subscription, fragment or '{'");
		}
	}
	if (!doc->nops && !doc->nfrags)
		return set_err(ps->err, ps->tok.line, ps->tok.col,
			       "the document is empty: send a query or a mutation");
	return 0;
}

/* The whole source must be UTF-8 before any token is read. */
static int check_utf8(const char *src, size_t len, struct cairn_gql_error *err)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0;
	int line = 1, col = 1;

	while (i < len) {
		size_t k = cairn_utf8_seq(s + i, len - i);
		if (!k)
			return set_err(err, line, col, "the document is not valid UTF-8");
		if (s[i] == '\n' || (s[i] == '\r' && (i + 1 >= len || s[i + 1] != '\n'))) {
			line++;
			col = 1;
		} else if (s[i] != '\r') {
			col++;
		}
		i += k;
	}
	return 0;
}

struct cairn_gql_document *cairn_gql_parse(const char *src, size_t len, struct cairn_gql_error *err)
{
	struct cairn_gql_document *doc = calloc(1, sizeof *doc);
	struct parser ps;
	size_t i;
	int rc = -1;

	if (err)
		memset(err, 0, sizeof *err);
	if (!doc || !(doc->internal = calloc(1, sizeof *doc->internal))) {
		no_memory(err);
		goto out;
	}
	if (!src)
		src = "";
	if (check_utf8(src, len, err))
		goto out;
	memset(&ps, 0, sizeof ps);
	ps.p = src;
	ps.end = src + len;
	ps.line = ps.col = 1;
	ps.arena = &doc->internal->arena;
	ps.err = err;
	if (parse_document(&ps, doc))
		goto out;
	for (i = 0; i < doc->nfrags; i++) {
		if (nix_put(&doc->internal->frags, doc->frags[i].name, i)) {
			no_memory(err);
			goto out;
		}
	}
	rc = 0;
out:
	if (rc) {
		cairn_gql_free(doc);
		doc = NULL;
	}
	return doc;
}

void cairn_gql_free(struct cairn_gql_document *doc)
{
	if (!doc)
		return;
	if (doc->internal) {
		arena_free(doc->internal->arena);
		nix_free(&doc->internal->frags);
		free(doc->internal);
	}
	free(doc);
}

static const struct cairn_gql_fragment *find_fragment(const struct cairn_gql_document *doc,
						      const char *name)
{
	const size_t *i = nix_get(&doc->internal->frags, name);

	return i ? &doc->frags[*i] : NULL;
}

/* ---- schema and type text ---- */

struct tref {
	const char *s;
	size_t n;
};

static struct tref tref_of(const char *s) { return (struct tref){s, strlen(s)}; }

static int t_nonnull(struct tref t) { return t.n && t.s[t.n - 1] == '!'; }

static struct tref t_nullable(struct tref t)
{
	if (t_nonnull(t))
		t.n--;
	return t;
}

static int t_list(struct tref t)
{
	t = t_nullable(t);
	return t.n >= 2 && t.s[0] == '[';
}

static struct tref t_item(struct tref t)
{
	t = t_nullable(t);
	return (struct tref){t.s + 1, t.n - 2};
}

static struct tref t_named(struct tref t)
{
	while (t_list(t))
		t = t_item(t);
	return t_nullable(t);
}

static int t_same(struct tref a, struct tref b) { return a.n == b.n && !memcmp(a.s, b.s, a.n); }

enum scalar { S_NONE, S_INT, S_FLOAT, S_STRING, S_BOOLEAN, S_ID };

static enum scalar scalar_of(struct tref named)
{
	static const char *const names[] = {"Int", "Float", "String", "Boolean", "ID"};
	size_t i;

	for (i = 0; i < 5; i++)
		if (t_same(named, tref_of(names[i])))
			return (enum scalar)(i + 1);
	return S_NONE;
}

static const struct cairn_gql_type_def *schema_type_n(const struct cairn_gql_schema *schema,
						      struct tref name)
{
	size_t i;

	for (i = 0; schema && i < schema->ntypes; i++)
		if (t_same(tref_of(schema->types[i].name), name))
			return &schema->types[i];
	return NULL;
}

const struct cairn_gql_type_def *cairn_gql_schema_type(const struct cairn_gql_schema *schema,
						       const char *name)
{
	return name ? schema_type_n(schema, tref_of(name)) : NULL;
}

static const struct cairn_gql_field_def *find_def(const struct cairn_gql_field_def *defs, size_t n,
						  const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(defs[i].name, name))
			return &defs[i];
	return NULL;
}

const struct cairn_gql_field_def *cairn_gql_type_field(const struct cairn_gql_type_def *type,
						       const char *name)
{
	return type ? find_def(type->fields, type->nfields, name) : NULL;
}

const char *cairn_gql_named_type(const char *type, char *buf, size_t n)
{
	struct tref t = t_named(tref_of(type));

	snprintf(buf, n, "%.*s", (int)t.n, t.s);
	return buf;
}

/* The spec's AreTypesCompatible(variableType, locationType). */
static int types_compatible(struct tref var, struct tref loc)
{
	if (t_nonnull(loc))
		return t_nonnull(var) && types_compatible(t_nullable(var), t_nullable(loc));
	if (t_nonnull(var))
		return types_compatible(t_nullable(var), loc);
	if (t_list(loc))
		return t_list(var) && types_compatible(t_item(var), t_item(loc));
	return !t_list(var) && t_same(var, loc);
}

static void names_list(const struct cairn_gql_field_def *f, size_t n, char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++) {
		int k = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", f[i].name);
		if (k < 0)
			break;
		used += (size_t)k;
	}
}

static const struct cairn_gql_arg *find_arg(const struct cairn_gql_arg *args, size_t n,
					    const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(args[i].name, name))
			return &args[i];
	return NULL;
}

/* The first argument whose name appeared earlier in the list, or NULL. */
static const struct cairn_gql_arg *duplicate_arg(const struct cairn_gql_arg *args, size_t n,
						 struct cairn_gql_error *err, int *failed)
{
	struct name_index ix = {0};
	const struct cairn_gql_arg *dup = NULL;
	size_t i;

	*failed = 0;
	for (i = 0; i < n && !dup; i++) {
		if (nix_get(&ix, args[i].name))
			dup = &args[i];
		else if (nix_put(&ix, args[i].name, i))
			*failed = no_memory(err);
		if (*failed)
			break;
	}
	nix_free(&ix);
	return dup;
}

/* ---- coercion of values ---- */

struct coerce {
	const struct cairn_gql_schema *schema;
	int validate; /* check only: no output, variables checked against definitions */
	const struct cairn_gql_operation *op; /* validate: where variables are defined */
	unsigned char *var_used;	      /* validate: marks per op->vars */
	const cJSON *vars;		      /* execute: coerced variables */
	struct cairn_gql_error *err;
};

static int put(struct coerce *k, cJSON **out, cJSON *j)
{
	if (!j)
		return no_memory(k->err);
	*out = j;
	return 0;
}

static int coerce_literal(struct coerce *k, struct tref t, const struct cairn_gql_value *v,
			  const char *what, cJSON **out);

static int use_variable(struct coerce *k, struct tref t, const struct cairn_gql_value *v,
			const char *what, cJSON **out)
{
	const struct cairn_gql_variable_def *d = NULL;
	const cJSON *val;
	struct tref vt, lt = t;
	size_t i;

	if (!k->validate) {
		val = k->vars ? cJSON_GetObjectItemCaseSensitive(k->vars, v->text) : NULL;
		if (!val)
			return 0; /* no value: the caller treats it as not given */
		if (cJSON_IsNull(val) && t_nonnull(t))
			return set_err(k->err, v->line, v->col, "%s must not be null", what);
		return put(k, out, cJSON_Duplicate(val, 1));
	}
	for (i = 0; k->op && i < k->op->nvars && !d; i++)
		if (!strcmp(k->op->vars[i].name, v->text))
			d = &k->op->vars[i];
	if (!d) {
		if (k->op && k->op->name)
			return set_err(k->err, v->line, v->col,
				       "variable \"$%s\" is not defined by operation \"%s\"",
				       v->text, k->op->name);
		return set_err(k->err, v->line, v->col, "variable \"$%s\" is not defined", v->text);
	}
	k->var_used[d - k->op->vars] = 1;
	vt = tref_of(d->type);
	if (t_nonnull(lt) && !t_nonnull(vt) && d->default_value &&
	    d->default_value->kind != CAIRN_GQL_NULL)
		lt = t_nullable(lt);
	if (!types_compatible(vt, lt))
		return set_err(k->err, v->line, v->col,
			       "variable \"$%s\" of type %s cannot be used for %s, which expects "
			       "%.*s",
			       v->text, d->type, what, (int)t.n, t.s);
	return 0;
}

static int coerce_list_literal(struct coerce *k, struct tref t, const struct cairn_gql_value *v,
			       const char *what, cJSON **out)
{
	struct tref it = t_item(t);
	const struct cairn_gql_value *items = v;
	size_t n = 1, i;
	cJSON *arr = NULL, *item = NULL;
	int rc = -1;

	if (v->kind == CAIRN_GQL_LIST) {
		items = v->items;
		n = v->nitems;
	}
	if (!k->validate && !(arr = cJSON_CreateArray())) {
		no_memory(k->err);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (coerce_literal(k, it, &items[i], what, &item))
			goto out;
		if (k->validate)
			continue;
		if (!item) {
			/* a variable with no value in a list is null */
			if (t_nonnull(it)) {
				set_err(k->err, items[i].line, items[i].col, "%s must not be null",
					what);
				goto out;
			}
			if (!(item = cJSON_CreateNull())) {
				no_memory(k->err);
				goto out;
			}
		}
		cJSON_AddItemToArray(arr, item);
		item = NULL;
	}
	*out = arr;
	arr = NULL;
	rc = 0;
out:
	cJSON_Delete(arr);
	cJSON_Delete(item);
	return rc;
}

static int coerce_scalar_literal(struct coerce *k, enum scalar sk, struct tref named,
				 const struct cairn_gql_value *v, const char *what, cJSON **out)
{
	long long x;
	double d;

	switch (sk) {
	case S_INT:
		if (v->kind != CAIRN_GQL_INT)
			break;
		errno = 0;
		x = strtoll(v->text, NULL, 10);
		if (errno || x < INT32_MIN || x > INT32_MAX)
			return set_err(k->err, v->line, v->col,
				       "%s must be an Int between -2147483648 and 2147483647",
				       what);
		return k->validate ? 0 : put(k, out, cJSON_CreateNumber((double)x));
	case S_FLOAT:
		if (v->kind != CAIRN_GQL_INT && v->kind != CAIRN_GQL_FLOAT)
			break;
		d = strtod(v->text, NULL);
		if (!isfinite(d))
			return set_err(k->err, v->line, v->col, "%s must be a finite Float", what);
		return k->validate ? 0 : put(k, out, cJSON_CreateNumber(d));
	case S_STRING:
		if (v->kind != CAIRN_GQL_STRING)
			break;
		return k->validate ? 0 : put(k, out, cJSON_CreateString(v->text));
	case S_BOOLEAN:
		if (v->kind != CAIRN_GQL_BOOLEAN)
			break;
		return k->validate ? 0 : put(k, out, cJSON_CreateBool(v->boolean));
	case S_ID:
		if (v->kind != CAIRN_GQL_STRING && v->kind != CAIRN_GQL_INT)
			break;
		return k->validate ? 0 : put(k, out, cJSON_CreateString(v->text));
	case S_NONE:
		break;
	}
	return set_err(k->err, v->line, v->col, "%s must be %s %.*s", what,
		       article(named.s, named.n), (int)named.n, named.s);
}

static int coerce_object_literal(struct coerce *k, const struct cairn_gql_type_def *td,
				 const struct cairn_gql_value *v, const char *what, cJSON **out)
{
	const struct cairn_gql_arg *a;
	cJSON *obj = NULL, *fv = NULL;
	char sub[256], names[256];
	size_t i;
	int rc = -1, failed;

	if (v->kind != CAIRN_GQL_OBJECT) {
		set_err(k->err, v->line, v->col, "%s must be %s %s", what,
			article(td->name, strlen(td->name)), td->name);
		goto out;
	}
	if ((a = duplicate_arg(v->fields, v->nfields, k->err, &failed)) || failed) {
		if (a)
			set_err(k->err, a->line, a->col, "field \"%s\" is given twice in %s",
				a->name, td->name);
		goto out;
	}
	for (i = 0; i < v->nfields; i++) {
		if (!cairn_gql_type_field(td, v->fields[i].name)) {
			names_list(td->fields, td->nfields, names, sizeof names);
			set_err(k->err, v->fields[i].line, v->fields[i].col,
				"unknown field \"%s\" in %s (fields: %s)", v->fields[i].name,
				td->name, names);
			goto out;
		}
	}
	if (!k->validate && !(obj = cJSON_CreateObject())) {
		no_memory(k->err);
		goto out;
	}
	for (i = 0; i < td->nfields; i++) {
		const struct cairn_gql_field_def *fd = &td->fields[i];
		struct tref ft = tref_of(fd->type);
		a = find_arg(v->fields, v->nfields, fd->name);
		snprintf(sub, sizeof sub, "argument \"%s\" of %s", fd->name, td->name);
		if (a && coerce_literal(k, ft, &a->value, sub, &fv))
			goto out;
		if (k->validate && a)
			continue;
		if (!fv) {
			if (t_nonnull(ft)) {
				set_err(k->err, a ? a->line : v->line, a ? a->col : v->col,
					"%s is required", sub);
				goto out;
			}
			continue;
		}
		cJSON_AddItemToObject(obj, fd->name, fv);
		fv = NULL;
	}
	*out = obj;
	obj = NULL;
	rc = 0;
out:
	cJSON_Delete(obj);
	cJSON_Delete(fv);
	return rc;
}

static int coerce_literal(struct coerce *k, struct tref t, const struct cairn_gql_value *v,
			  const char *what, cJSON **out)
{
	const struct cairn_gql_type_def *td;
	struct tref named;
	enum scalar sk;

	*out = NULL;
	if (v->kind == CAIRN_GQL_VARIABLE)
		return use_variable(k, t, v, what, out);
	if (v->kind == CAIRN_GQL_NULL) {
		if (t_nonnull(t))
			return set_err(k->err, v->line, v->col, "%s must not be null", what);
		return k->validate ? 0 : put(k, out, cJSON_CreateNull());
	}
	t = t_nullable(t);
	if (t_list(t))
		return coerce_list_literal(k, t, v, what, out);
	named = t;
	sk = scalar_of(named);
	if (sk)
		return coerce_scalar_literal(k, sk, named, v, what, out);
	td = schema_type_n(k->schema, named);
	if (!td || td->kind != CAIRN_GQL_INPUT_TYPE)
		return set_err(k->err, v->line, v->col,
			       "%s has type %.*s, which is not an input type", what, (int)named.n,
			       named.s);
	return coerce_object_literal(k, td, v, what, out);
}

static int coerce_json(struct coerce *k, struct tref t, const cJSON *j, const char *what,
		       cJSON **out);

static int coerce_json_list(struct coerce *k, struct tref t, const cJSON *j, const char *what,
			    cJSON **out)
{
	struct tref it = t_item(t);
	cJSON *arr = NULL, *item = NULL;
	const cJSON *el;
	int rc = -1;

	if (!(arr = cJSON_CreateArray())) {
		no_memory(k->err);
		goto out;
	}
	if (!cJSON_IsArray(j)) {
		if (coerce_json(k, it, j, what, &item))
			goto out;
		cJSON_AddItemToArray(arr, item);
		item = NULL;
	} else {
		cJSON_ArrayForEach(el, j)
		{
			if (coerce_json(k, it, el, what, &item))
				goto out;
			cJSON_AddItemToArray(arr, item);
			item = NULL;
		}
	}
	*out = arr;
	arr = NULL;
	rc = 0;
out:
	cJSON_Delete(arr);
	return rc;
}

static int coerce_json_object(struct coerce *k, const struct cairn_gql_type_def *td, const cJSON *j,
			      const char *what, cJSON **out)
{
	cJSON *obj = NULL, *fv = NULL;
	const cJSON *el;
	char sub[256], names[256];
	size_t i;
	int rc = -1;

	if (!cJSON_IsObject(j)) {
		set_err(k->err, 0, 0, "%s must be %s %s", what, article(td->name, strlen(td->name)),
			td->name);
		goto out;
	}
	cJSON_ArrayForEach(el, j)
	{
		if (!cairn_gql_type_field(td, el->string)) {
			names_list(td->fields, td->nfields, names, sizeof names);
			set_err(k->err, 0, 0, "unknown field \"%.64s\" in %s (fields: %s)",
				el->string, td->name, names);
			goto out;
		}
	}
	if (!(obj = cJSON_CreateObject())) {
		no_memory(k->err);
		goto out;
	}
	for (i = 0; i < td->nfields; i++) {
		const struct cairn_gql_field_def *fd = &td->fields[i];
		struct tref ft = tref_of(fd->type);
		el = cJSON_GetObjectItemCaseSensitive(j, fd->name);
		snprintf(sub, sizeof sub, "argument \"%s\" of %s", fd->name, td->name);
		if (!el) {
			if (t_nonnull(ft)) {
				set_err(k->err, 0, 0, "%s is required", sub);
				goto out;
			}
			continue;
		}
		if (coerce_json(k, ft, el, sub, &fv))
			goto out;
		cJSON_AddItemToObject(obj, fd->name, fv);
		fv = NULL;
	}
	*out = obj;
	obj = NULL;
	rc = 0;
out:
	cJSON_Delete(obj);
	return rc;
}

static int json_int(const cJSON *j, double *d)
{
	if (!cJSON_IsNumber(j))
		return 0;
	*d = j->valuedouble;
	return isfinite(*d) && floor(*d) == *d;
}

/* Input coercion of a JSON value (a variable's value) to type t. */
static int coerce_json(struct coerce *k, struct tref t, const cJSON *j, const char *what,
		       cJSON **out)
{
	const struct cairn_gql_type_def *td;
	struct tref named;
	char buf[32];
	double d;

	*out = NULL;
	if (!j || cJSON_IsNull(j)) {
		if (t_nonnull(t))
			return set_err(k->err, 0, 0, "%s must not be null", what);
		return put(k, out, cJSON_CreateNull());
	}
	t = t_nullable(t);
	if (t_list(t))
		return coerce_json_list(k, t, j, what, out);
	named = t;
	switch (scalar_of(named)) {
	case S_INT:
		if (json_int(j, &d) && d >= INT32_MIN && d <= INT32_MAX)
			return put(k, out, cJSON_CreateNumber(d));
		break;
	case S_FLOAT:
		if (cJSON_IsNumber(j) && isfinite(j->valuedouble))
			return put(k, out, cJSON_CreateNumber(j->valuedouble));
		break;
	case S_STRING:
		if (cJSON_IsString(j))
			return put(k, out, cJSON_CreateString(j->valuestring));
		break;
	case S_BOOLEAN:
		if (cJSON_IsBool(j))
			return put(k, out, cJSON_CreateBool(cJSON_IsTrue(j)));
		break;
	case S_ID:
		if (cJSON_IsString(j))
			return put(k, out, cJSON_CreateString(j->valuestring));
		if (json_int(j, &d) && fabs(d) < 9007199254740992.0) {
			snprintf(buf, sizeof buf, "%.0f", d);
			return put(k, out, cJSON_CreateString(buf));
		}
		break;
	case S_NONE:
		td = schema_type_n(k->schema, named);
		if (!td || td->kind != CAIRN_GQL_INPUT_TYPE)
			return set_err(k->err, 0, 0, "%s has type %.*s, which is not an input type",
				       what, (int)named.n, named.s);
		return coerce_json_object(k, td, j, what, out);
	}
	return set_err(k->err, 0, 0, "%s must be %s %.*s", what, article(named.s, named.n),
		       (int)named.n, named.s);
}

/* A variable's value is wrong somewhere inside: say which variable, and
 * point at its definition. */
static void locate_variable_error(struct cairn_gql_error *err,
				  const struct cairn_gql_variable_def *d, const char *what)
{
	char inner[sizeof err->message];

	if (!err)
		return;
	memcpy(inner, err->message, sizeof inner);
	if (!strncmp(inner, what, strlen(what)))
		set_err(err, d->line, d->col, "%s", inner);
	else
		set_err(err, d->line, d->col, "%s: %s", what, inner);
}

int cairn_gql_coerce_variables(const struct cairn_gql_schema *schema,
			       const struct cairn_gql_operation *op, const cJSON *variables,
			       cJSON **out, struct cairn_gql_error *err)
{
	struct coerce k = {schema, 0, op, NULL, NULL, err};
	cJSON *res = NULL, *val = NULL;
	char what[160];
	size_t i;
	int rc = -1;

	*out = NULL;
	if (variables && !cJSON_IsNull(variables) && !cJSON_IsObject(variables)) {
		set_err(err, 0, 0, "variables must be a JSON object");
		goto out;
	}
	if (!(res = cJSON_CreateObject())) {
		no_memory(err);
		goto out;
	}
	for (i = 0; i < op->nvars; i++) {
		const struct cairn_gql_variable_def *d = &op->vars[i];
		const cJSON *given = cJSON_IsObject(variables)
					 ? cJSON_GetObjectItemCaseSensitive(variables, d->name)
					 : NULL;
		struct tref t = tref_of(d->type);
		snprintf(what, sizeof what, "variable \"$%s\"", d->name);
		if (!given && d->default_value) {
			if (coerce_literal(&k, t, d->default_value, what, &val))
				goto out;
		} else if (t_nonnull(t) && (!given || cJSON_IsNull(given))) {
			set_err(err, d->line, d->col,
				given ? "variable \"$%s\" of type %s must not be null"
				      : "variable \"$%s\" of required type %s was not provided",
				d->name, d->type);
			goto out;
		} else if (!given) {
			continue;
		} else if (coerce_json(&k, t, given, what, &val)) {
			locate_variable_error(err, d, what);
			goto out;
		}
		cJSON_AddItemToObject(res, d->name, val);
		val = NULL;
	}
	*out = res;
	res = NULL;
	rc = 0;
out:
	cJSON_Delete(res);
	cJSON_Delete(val);
	return rc;
}

int cairn_gql_coerce_value(const struct cairn_gql_schema *schema, const char *type,
			   const struct cairn_gql_value *value, const cJSON *vars, const char *what,
			   cJSON **out, struct cairn_gql_error *err)
{
	struct coerce k = {schema, 0, NULL, NULL, vars, err};

	return coerce_literal(&k, tref_of(type), value, what ? what : "value", out);
}

int cairn_gql_coerce_arguments(const struct cairn_gql_schema *schema,
			       const struct cairn_gql_field_def *def,
			       const struct cairn_gql_selection *field, const cJSON *vars,
			       cJSON **out, struct cairn_gql_error *err)
{
	struct coerce k = {schema, 0, NULL, NULL, vars, err};
	cJSON *res = NULL, *val = NULL;
	char what[256];
	size_t i;
	int rc = -1;

	*out = NULL;
	if (!(res = cJSON_CreateObject())) {
		no_memory(err);
		goto out;
	}
	for (i = 0; i < def->nargs; i++) {
		const struct cairn_gql_field_def *ad = &def->args[i];
		const struct cairn_gql_arg *a = find_arg(field->args, field->nargs, ad->name);
		struct tref t = tref_of(ad->type);
		snprintf(what, sizeof what, "argument \"%s\" of field \"%s\"", ad->name, def->name);
		if (a && coerce_literal(&k, t, &a->value, what, &val))
			goto out;
		if (!val) {
			if (t_nonnull(t)) {
				set_err(err, a ? a->line : field->line, a ? a->col : field->col,
					"%s is required", what);
				goto out;
			}
			continue;
		}
		cJSON_AddItemToObject(res, ad->name, val);
		val = NULL;
	}
	*out = res;
	res = NULL;
	rc = 0;
out:
	cJSON_Delete(res);
	cJSON_Delete(val);
	return rc;
}

/* ---- CollectFields ---- */

/* Whether @skip/@include let a selection through, given the variables. */
static int included(const struct cairn_gql_directive *dirs, size_t n, const cJSON *vars, int *yes,
		    struct cairn_gql_error *err)
{
	struct coerce k = {NULL, 0, NULL, NULL, vars, err};
	char what[64];
	size_t i;

	*yes = 1;
	for (i = 0; i < n; i++) {
		int skip = !strcmp(dirs[i].name, "skip");
		const struct cairn_gql_arg *a;
		cJSON *b = NULL;
		int val;
		if (!skip && strcmp(dirs[i].name, "include"))
			continue;
		snprintf(what, sizeof what, "argument \"if\" of @%s", dirs[i].name);
		a = find_arg(dirs[i].args, dirs[i].nargs, "if");
		if (!a)
			return set_err(err, dirs[i].line, dirs[i].col, "%s is required", what);
		if (coerce_literal(&k, tref_of("Boolean!"), &a->value, what, &b))
			return -1;
		if (!b)
			return set_err(err, a->line, a->col, "%s has no value", what);
		val = cJSON_IsTrue(b);
		cJSON_Delete(b);
		if (skip == val)
			*yes = 0;
	}
	return 0;
}

struct collector {
	const struct cairn_gql_document *doc;
	const cJSON *vars;
	int ignore_directives; /* validation: every field that could be asked for */
	unsigned char *visited;
	struct name_index keys;
	struct cairn_gql_fields *out;
	struct cairn_gql_error *err;
	int depth;
};

/* Arrays here grow to the next power of two, so a count is also a capacity. */
static void *grow_pow2(void *arr, size_t n, size_t size)
{
	if (n & (n - 1))
		return arr;
	return realloc(arr, (n ? 2 * n : 1) * size);
}

static int add_field(struct collector *cl, const struct cairn_gql_selection *sel)
{
	const char *key = sel->alias ? sel->alias : sel->name;
	const size_t *at = nix_get(&cl->keys, key);
	struct cairn_gql_field_group *g;
	void *na;

	if (at) {
		g = &cl->out->groups[*at];
	} else {
		na = grow_pow2(cl->out->groups, cl->out->n, sizeof *cl->out->groups);
		if (!na)
			return no_memory(cl->err);
		cl->out->groups = na;
		if (nix_put(&cl->keys, key, cl->out->n))
			return no_memory(cl->err);
		g = &cl->out->groups[cl->out->n++];
		memset(g, 0, sizeof *g);
		g->key = key;
		g->name = sel->name;
	}
	na = grow_pow2((void *)g->fields, g->n, sizeof *g->fields);
	if (!na)
		return no_memory(cl->err);
	g->fields = na;
	g->fields[g->n++] = sel;
	return 0;
}

static int collect_set(struct collector *cl, const char *type,
		       const struct cairn_gql_selection_set *set)
{
	const struct cairn_gql_fragment *f;
	size_t i;
	int yes = 1;

	if (++cl->depth > GQL_MAX_VALIDATE_DEPTH)
		return set_err(cl->err, set->items[0].line, set->items[0].col,
			       "fragments nest too deeply");
	for (i = 0; i < set->n; i++) {
		const struct cairn_gql_selection *sel = &set->items[i];
		if (!cl->ignore_directives &&
		    included(sel->directives, sel->ndirectives, cl->vars, &yes, cl->err))
			return -1;
		if (!cl->ignore_directives && !yes)
			continue;
		switch (sel->kind) {
		case CAIRN_GQL_FIELD:
			if (add_field(cl, sel))
				return -1;
			break;
		case CAIRN_GQL_FRAGMENT_SPREAD:
			f = find_fragment(cl->doc, sel->name);
			if (!f || cl->visited[f - cl->doc->frags])
				break;
			cl->visited[f - cl->doc->frags] = 1;
			if (type && strcmp(f->type_condition, type))
				break;
			if (collect_set(cl, type, &f->sel))
				return -1;
			break;
		case CAIRN_GQL_INLINE_FRAGMENT:
			if (type && sel->type_condition && strcmp(sel->type_condition, type))
				break;
			if (collect_set(cl, type, &sel->sel))
				return -1;
			break;
		}
	}
	cl->depth--;
	return 0;
}

void cairn_gql_fields_free(struct cairn_gql_fields *fields)
{
	size_t i;

	if (!fields)
		return;
	for (i = 0; i < fields->n; i++)
		free((void *)fields->groups[i].fields);
	free(fields->groups);
	memset(fields, 0, sizeof *fields);
}

static int collect(const struct cairn_gql_document *doc, const char *type,
		   const struct cairn_gql_selection_set *const *sets, size_t nsets,
		   const cJSON *vars, int ignore_directives, struct cairn_gql_fields *out,
		   struct cairn_gql_error *err)
{
	struct collector cl;
	size_t i;
	int rc = -1;

	memset(out, 0, sizeof *out);
	memset(&cl, 0, sizeof cl);
	cl.doc = doc;
	cl.vars = vars;
	cl.ignore_directives = ignore_directives;
	cl.out = out;
	cl.err = err;
	cl.visited = calloc(doc->nfrags + 1, 1);
	if (!cl.visited) {
		no_memory(err);
		goto out;
	}
	for (i = 0; i < nsets; i++)
		if (sets[i]->n && collect_set(&cl, type, sets[i]))
			goto out;
	rc = 0;
out:
	free(cl.visited);
	nix_free(&cl.keys);
	if (rc)
		cairn_gql_fields_free(out);
	return rc;
}

int cairn_gql_collect_fields(const struct cairn_gql_document *doc, const char *type_name,
			     const struct cairn_gql_selection_set *const *sets, size_t nsets,
			     const cJSON *vars, struct cairn_gql_fields *out,
			     struct cairn_gql_error *err)
{
	return collect(doc, type_name, sets, nsets, vars, 0, out, err);
}

/* ---- validation ---- */

enum dir_loc {
	LOC_QUERY,
	LOC_MUTATION,
	LOC_SUBSCRIPTION,
	LOC_FIELD,
	LOC_FRAGMENT_DEFINITION,
	LOC_FRAGMENT_SPREAD,
	LOC_INLINE_FRAGMENT,
	LOC_VARIABLE_DEFINITION
};

static const char *const dir_loc_names[] = {"a query",
					    "a mutation",
					    "a subscription",
					    "a field",
					    "a fragment definition",
					    "a fragment spread",
					    "an inline fragment",
					    "a variable definition"};

struct vctx {
	const struct cairn_gql_schema *schema;
	const struct cairn_gql_document *doc;
	const struct cairn_gql_operation *op;
	unsigned char *frag_seen; /* validated within this operation */
	unsigned char *frag_used; /* spread by some operation */
	unsigned char *var_used;
	struct cairn_gql_error *err;
	int depth;
};

static int check_value(struct vctx *v, struct tref t, const struct cairn_gql_value *val,
		       const char *what)
{
	struct coerce k = {v->schema, 1, v->op, v->var_used, NULL, v->err};
	cJSON *unused = NULL;

	return coerce_literal(&k, t, val, what, &unused);
}

static int check_directives(struct vctx *v, const struct cairn_gql_directive *dirs, size_t n,
			    enum dir_loc loc)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		const struct cairn_gql_directive *d = &dirs[i];
		const struct cairn_gql_arg *a;
		char what[64];
		int failed;
		if (strcmp(d->name, "skip") && strcmp(d->name, "include"))
			return set_err(v->err, d->line, d->col,
				       "unknown directive \"@%s\": only @skip and @include are "
				       "supported",
				       d->name);
		if (loc != LOC_FIELD && loc != LOC_FRAGMENT_SPREAD && loc != LOC_INLINE_FRAGMENT)
			return set_err(v->err, d->line, d->col,
				       "directive \"@%s\" cannot be used on %s", d->name,
				       dir_loc_names[loc]);
		for (j = 0; j < i; j++)
			if (!strcmp(dirs[j].name, d->name))
				return set_err(v->err, d->line, d->col,
					       "directive \"@%s\" is given twice here", d->name);
		if ((a = duplicate_arg(d->args, d->nargs, v->err, &failed)) || failed)
			return a ? set_err(v->err, a->line, a->col,
					   "argument \"%s\" is given twice", a->name)
				 : -1;
		for (j = 0; j < d->nargs; j++)
			if (strcmp(d->args[j].name, "if"))
				return set_err(v->err, d->args[j].line, d->args[j].col,
					       "unknown argument \"%s\" on directive \"@%s\" "
					       "(arguments: if)",
					       d->args[j].name, d->name);
		snprintf(what, sizeof what, "argument \"if\" of @%s", d->name);
		a = find_arg(d->args, d->nargs, "if");
		if (!a)
			return set_err(v->err, d->line, d->col, "%s is required", what);
		if (check_value(v, tref_of("Boolean!"), &a->value, what))
			return -1;
	}
	return 0;
}

static int check_set(struct vctx *v, const struct cairn_gql_type_def *td,
		     const struct cairn_gql_selection_set *set);

static int check_field(struct vctx *v, const struct cairn_gql_type_def *td,
		       const struct cairn_gql_selection *sel)
{
	const struct cairn_gql_field_def *fd;
	const struct cairn_gql_type_def *otd;
	const struct cairn_gql_arg *a;
	struct tref named;
	char names[256], what[256];
	size_t i;
	int failed;

	if (!strcmp(sel->name, "__typename")) {
		if (sel->nargs)
			return set_err(v->err, sel->args[0].line, sel->args[0].col,
				       "unknown argument \"%s\" on field \"__typename\" (it takes "
				       "none)",
				       sel->args[0].name);
		if (sel->sel.n)
			return set_err(v->err, sel->line, sel->col,
				       "field \"__typename\" is a String and cannot have a "
				       "selection of subfields");
		return 0;
	}
	fd = cairn_gql_type_field(td, sel->name);
	if (!fd) {
		names_list(td->fields, td->nfields, names, sizeof names);
		return set_err(v->err, sel->line, sel->col,
			       "unknown field \"%s\" on type %s (fields: %s)", sel->name, td->name,
			       names);
	}
	if ((a = duplicate_arg(sel->args, sel->nargs, v->err, &failed)) || failed)
		return a ? set_err(v->err, a->line, a->col, "argument \"%s\" is given twice",
				   a->name)
			 : -1;
	for (i = 0; i < sel->nargs; i++) {
		a = &sel->args[i];
		if (find_def(fd->args, fd->nargs, a->name))
			continue;
		if (!fd->nargs)
			return set_err(v->err, a->line, a->col,
				       "unknown argument \"%s\" on field \"%s\" (it takes none)",
				       a->name, fd->name);
		names_list(fd->args, fd->nargs, names, sizeof names);
		return set_err(v->err, a->line, a->col,
			       "unknown argument \"%s\" on field \"%s\" (arguments: %s)", a->name,
			       fd->name, names);
	}
	for (i = 0; i < fd->nargs; i++) {
		struct tref t = tref_of(fd->args[i].type);
		a = find_arg(sel->args, sel->nargs, fd->args[i].name);
		snprintf(what, sizeof what, "argument \"%s\" of field \"%s\"", fd->args[i].name,
			 fd->name);
		if (!a) {
			if (t_nonnull(t))
				return set_err(v->err, sel->line, sel->col, "%s is required", what);
			continue;
		}
		if (check_value(v, t, &a->value, what))
			return -1;
	}
	named = t_named(tref_of(fd->type));
	if (scalar_of(named)) {
		if (sel->sel.n)
			return set_err(v->err, sel->line, sel->col,
				       "field \"%s\" is %s %.*s and cannot have a selection of "
				       "subfields",
				       fd->name, article(named.s, named.n), (int)named.n, named.s);
		return 0;
	}
	otd = schema_type_n(v->schema, named);
	if (!otd || otd->kind != CAIRN_GQL_OBJECT_TYPE || !otd->nfields)
		return set_err(v->err, sel->line, sel->col,
			       "field \"%s\" has type %.*s, which the schema does not define",
			       fd->name, (int)named.n, named.s);
	if (!sel->sel.n)
		return set_err(v->err, sel->line, sel->col,
			       "field \"%s\" of type %s must have a selection of subfields, like "
			       "%s { %s }",
			       fd->name, otd->name, fd->name, otd->fields[0].name);
	return check_set(v, otd, &sel->sel);
}

static const struct cairn_gql_type_def *condition_type(struct vctx *v, const char *cond, int line,
						       int col, const char *what)
{
	const struct cairn_gql_type_def *td = cairn_gql_schema_type(v->schema, cond);

	if (!td)
		set_err(v->err, line, col, "%s is on unknown type \"%s\"", what, cond);
	else if (td->kind != CAIRN_GQL_OBJECT_TYPE)
		set_err(v->err, line, col, "%s cannot be on input type %s", what, cond);
	else
		return td;
	return NULL;
}

static int check_selection(struct vctx *v, const struct cairn_gql_type_def *td,
			   const struct cairn_gql_selection *sel)
{
	const struct cairn_gql_type_def *ctd;
	const struct cairn_gql_fragment *f;
	size_t fi;

	switch (sel->kind) {
	case CAIRN_GQL_FIELD:
		if (check_directives(v, sel->directives, sel->ndirectives, LOC_FIELD))
			return -1;
		return check_field(v, td, sel);
	case CAIRN_GQL_FRAGMENT_SPREAD:
		if (check_directives(v, sel->directives, sel->ndirectives, LOC_FRAGMENT_SPREAD))
			return -1;
		f = find_fragment(v->doc, sel->name);
		if (!f)
			return set_err(v->err, sel->line, sel->col, "unknown fragment \"%s\"",
				       sel->name);
		if (strcmp(f->type_condition, td->name))
			return set_err(v->err, sel->line, sel->col,
				       "fragment \"%s\" is on %s and cannot be spread inside %s",
				       f->name, f->type_condition, td->name);
		fi = (size_t)(f - v->doc->frags);
		v->frag_used[fi] = 1;
		if (v->frag_seen[fi])
			return 0;
		v->frag_seen[fi] = 1;
		return check_set(v, td, &f->sel);
	case CAIRN_GQL_INLINE_FRAGMENT:
		if (check_directives(v, sel->directives, sel->ndirectives, LOC_INLINE_FRAGMENT))
			return -1;
		if (sel->type_condition) {
			ctd = condition_type(v, sel->type_condition, sel->line, sel->col,
					     "an inline fragment");
			if (!ctd)
				return -1;
			if (ctd != td)
				return set_err(v->err, sel->line, sel->col,
					       "an inline fragment on %s cannot be used inside %s",
					       ctd->name, td->name);
		}
		return check_set(v, td, &sel->sel);
	}
	return 0;
}

static int check_set(struct vctx *v, const struct cairn_gql_type_def *td,
		     const struct cairn_gql_selection_set *set)
{
	size_t i;

	if (++v->depth > GQL_MAX_VALIDATE_DEPTH)
		return set_err(v->err, set->items[0].line, set->items[0].col,
			       "the query nests too deeply (more than %d levels, counting "
			       "fragments)",
			       GQL_MAX_VALIDATE_DEPTH);
	for (i = 0; i < set->n; i++)
		if (check_selection(v, td, &set->items[i]))
			return -1;
	v->depth--;
	return 0;
}

static int values_equal(const struct cairn_gql_value *a, const struct cairn_gql_value *b);

static int args_equal(const struct cairn_gql_arg *a, size_t na, const struct cairn_gql_arg *b,
		      size_t nb)
{
	size_t i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++) {
		const struct cairn_gql_arg *o = find_arg(b, nb, a[i].name);
		if (!o || !values_equal(&a[i].value, &o->value))
			return 0;
	}
	return 1;
}

static int values_equal(const struct cairn_gql_value *a, const struct cairn_gql_value *b)
{
	size_t i;

	if (a->kind != b->kind)
		return 0;
	switch (a->kind) {
	case CAIRN_GQL_NULL:
		return 1;
	case CAIRN_GQL_BOOLEAN:
		return a->boolean == b->boolean;
	case CAIRN_GQL_LIST:
		if (a->nitems != b->nitems)
			return 0;
		for (i = 0; i < a->nitems; i++)
			if (!values_equal(&a->items[i], &b->items[i]))
				return 0;
		return 1;
	case CAIRN_GQL_OBJECT:
		return args_equal(a->fields, a->nfields, b->fields, b->nfields);
	default:
		return !strcmp(a->text, b->text);
	}
}

/* Fields that answer under one response name must be the same field with the
 * same arguments, and so on down their merged sub-selections. */
static int check_merge(struct vctx *v, const struct cairn_gql_type_def *td,
		       const struct cairn_gql_selection_set *const *sets, size_t nsets, int depth)
{
	struct cairn_gql_fields f = {0};
	const struct cairn_gql_selection_set **subs = NULL;
	size_t i, j, nsubs;
	int rc = -1;

	if (depth > GQL_MAX_VALIDATE_DEPTH) {
		set_err(v->err, 0, 0, "the query nests too deeply");
		goto out;
	}
	if (collect(v->doc, td->name, sets, nsets, NULL, 1, &f, v->err))
		goto out;
	for (i = 0; i < f.n; i++) {
		const struct cairn_gql_field_group *g = &f.groups[i];
		const struct cairn_gql_selection *first = g->fields[0];
		const struct cairn_gql_field_def *fd;
		const struct cairn_gql_type_def *otd;
		for (j = 1; j < g->n; j++) {
			const struct cairn_gql_selection *o = g->fields[j];
			if (strcmp(first->name, o->name)) {
				set_err(v->err, o->line, o->col,
					"fields \"%s\" and \"%s\" both answer as \"%s\": give one "
					"of them another alias",
					first->name, o->name, g->key);
				goto out;
			}
			if (!args_equal(first->args, first->nargs, o->args, o->nargs)) {
				set_err(v->err, o->line, o->col,
					"field \"%s\" is asked for twice as \"%s\" with different "
					"arguments: give one of them an alias",
					o->name, g->key);
				goto out;
			}
		}
		fd = cairn_gql_type_field(td, g->name);
		otd = fd ? schema_type_n(v->schema, t_named(tref_of(fd->type))) : NULL;
		if (!otd || otd->kind != CAIRN_GQL_OBJECT_TYPE)
			continue;
		free(subs);
		subs = malloc(g->n * sizeof *subs);
		if (!subs) {
			no_memory(v->err);
			goto out;
		}
		for (j = 0, nsubs = 0; j < g->n; j++)
			if (g->fields[j]->sel.n)
				subs[nsubs++] = &g->fields[j]->sel;
		if (nsubs && check_merge(v, otd, subs, nsubs, depth + 1))
			goto out;
	}
	rc = 0;
out:
	free(subs);
	cairn_gql_fields_free(&f);
	return rc;
}

static int check_operation_names(struct vctx *v)
{
	struct name_index ix = {0};
	size_t i;
	int rc = -1;

	for (i = 0; i < v->doc->nops; i++) {
		const struct cairn_gql_operation *op = &v->doc->ops[i];
		if (!op->name) {
			if (v->doc->nops > 1) {
				set_err(v->err, op->line, op->col,
					"an anonymous operation must be the only operation in the "
					"document: give each operation a name");
				goto out;
			}
			continue;
		}
		if (nix_get(&ix, op->name)) {
			set_err(v->err, op->line, op->col, "there are two operations named \"%s\"",
				op->name);
			goto out;
		}
		if (nix_put(&ix, op->name, i)) {
			no_memory(v->err);
			goto out;
		}
	}
	rc = 0;
out:
	nix_free(&ix);
	return rc;
}

static int check_fragment_defs(struct vctx *v)
{
	size_t i;

	for (i = 0; i < v->doc->nfrags; i++) {
		const struct cairn_gql_fragment *f = &v->doc->frags[i];
		char what[96];
		if (find_fragment(v->doc, f->name) != f)
			return set_err(v->err, f->line, f->col,
				       "there are two fragments named \"%s\"", f->name);
		snprintf(what, sizeof what, "fragment \"%s\"", f->name);
		if (!condition_type(v, f->type_condition, f->line, f->col, what))
			return -1;
		if (check_directives(v, f->directives, f->ndirectives, LOC_FRAGMENT_DEFINITION))
			return -1;
	}
	return 0;
}

struct cycle_walk {
	struct vctx *v;
	unsigned char *state; /* 0 unseen, 1 on the path, 2 done */
	size_t *path;
	size_t depth;
};

static int cycle_visit(struct cycle_walk *w, size_t fi);

static int cycle_set(struct cycle_walk *w, const struct cairn_gql_selection_set *set)
{
	const struct cairn_gql_document *doc = w->v->doc;
	size_t i, k;

	for (i = 0; i < set->n; i++) {
		const struct cairn_gql_selection *sel = &set->items[i];
		const struct cairn_gql_fragment *f;
		size_t fi, used = 0;
		char chain[256];
		if (sel->kind != CAIRN_GQL_FRAGMENT_SPREAD) {
			if (cycle_set(w, &sel->sel))
				return -1;
			continue;
		}
		f = find_fragment(doc, sel->name);
		if (!f)
			return set_err(w->v->err, sel->line, sel->col, "unknown fragment \"%s\"",
				       sel->name);
		fi = (size_t)(f - doc->frags);
		if (w->state[fi] == 2)
			continue;
		if (w->state[fi] == 0) {
			if (cycle_visit(w, fi))
				return -1;
			continue;
		}
		for (k = 0; k < w->depth && w->path[k] != fi; k++)
			;
		chain[0] = '\0';
		for (; k < w->depth && used < sizeof chain; k++) {
			int m = snprintf(chain + used, sizeof chain - used, "%s -> ",
					 doc->frags[w->path[k]].name);
			if (m < 0)
				break;
			used += (size_t)m;
		}
		return set_err(w->v->err, sel->line, sel->col,
			       "fragment \"%s\" spreads itself (%s%s): fragments cannot form a "
			       "cycle",
			       f->name, chain, f->name);
	}
	return 0;
}

static int cycle_visit(struct cycle_walk *w, size_t fi)
{
	const struct cairn_gql_fragment *f = &w->v->doc->frags[fi];

	if (w->depth >= GQL_MAX_VALIDATE_DEPTH)
		return set_err(w->v->err, f->line, f->col, "fragments nest too deeply");
	w->state[fi] = 1;
	w->path[w->depth++] = fi;
	if (cycle_set(w, &f->sel))
		return -1;
	w->depth--;
	w->state[fi] = 2;
	return 0;
}

static int check_fragment_cycles(struct vctx *v)
{
	struct cycle_walk w = {v, NULL, NULL, 0};
	size_t i;
	int rc = -1;

	w.state = calloc(v->doc->nfrags + 1, 1);
	w.path = calloc(GQL_MAX_VALIDATE_DEPTH + 1, sizeof *w.path);
	if (!w.state || !w.path) {
		no_memory(v->err);
		goto out;
	}
	for (i = 0; i < v->doc->nfrags; i++)
		if (!w.state[i] && cycle_visit(&w, i))
			goto out;
	rc = 0;
out:
	free(w.state);
	free(w.path);
	return rc;
}

static int check_variable_defs(struct vctx *v, const struct cairn_gql_operation *op)
{
	size_t i, j;

	for (i = 0; i < op->nvars; i++) {
		const struct cairn_gql_variable_def *d = &op->vars[i];
		struct tref named = t_named(tref_of(d->type));
		const struct cairn_gql_type_def *td = schema_type_n(v->schema, named);
		char what[128];
		for (j = 0; j < i; j++)
			if (!strcmp(op->vars[j].name, d->name))
				return set_err(v->err, d->line, d->col,
					       "variable \"$%s\" is defined twice", d->name);
		if (!scalar_of(named) && !td)
			return set_err(v->err, d->line, d->col,
				       "variable \"$%s\" has unknown type \"%.*s\"", d->name,
				       (int)named.n, named.s);
		if (!scalar_of(named) && td->kind != CAIRN_GQL_INPUT_TYPE)
			return set_err(
			    v->err, d->line, d->col,
			    "variable \"$%s\" cannot be of type %s: it is an output type", d->name,
			    td->name);
		snprintf(what, sizeof what, "the default value of variable \"$%s\"", d->name);
		if (d->default_value && check_value(v, tref_of(d->type), d->default_value, what))
			return -1;
		if (check_directives(v, d->directives, d->ndirectives, LOC_VARIABLE_DEFINITION))
			return -1;
	}
	return 0;
}

static int check_operation(struct vctx *v, const struct cairn_gql_operation *op)
{
	static const char *const kinds[] = {"queries", "mutations", "subscriptions"};
	const char *root = op->type == CAIRN_GQL_QUERY	    ? v->schema->query_type
			   : op->type == CAIRN_GQL_MUTATION ? v->schema->mutation_type
							    : NULL;
	const struct cairn_gql_type_def *td = cairn_gql_schema_type(v->schema, root);
	const struct cairn_gql_selection_set *set = &op->sel;
	size_t i;
	int rc = -1;

	v->op = op;
	v->depth = 0;
	memset(v->frag_seen, 0, v->doc->nfrags + 1);
	v->var_used = calloc(op->nvars + 1, 1);
	if (!v->var_used) {
		no_memory(v->err);
		goto out;
	}
	if (!td) {
		set_err(v->err, op->line, op->col, "%s are not supported here%s", kinds[op->type],
			op->type == CAIRN_GQL_SUBSCRIPTION ? ": use a query or a mutation" : "");
		goto out;
	}
	if (check_directives(v, op->directives, op->ndirectives,
			     op->type == CAIRN_GQL_QUERY ? LOC_QUERY : LOC_MUTATION) ||
	    check_variable_defs(v, op) || check_set(v, td, &op->sel))
		goto out;
	for (i = 0; i < op->nvars; i++) {
		if (!v->var_used[i]) {
			set_err(v->err, op->vars[i].line, op->vars[i].col,
				"variable \"$%s\" is never used%s%s%s", op->vars[i].name,
				op->name ? " in operation \"" : "", op->name ? op->name : "",
				op->name ? "\"" : "");
			goto out;
		}
	}
	if (check_merge(v, td, &set, 1, 0))
		goto out;
	rc = 0;
out:
	free(v->var_used);
	v->var_used = NULL;
	return rc;
}

int cairn_gql_validate(const struct cairn_gql_schema *schema, const struct cairn_gql_document *doc,
		       struct cairn_gql_error *err)
{
	struct vctx v;
	size_t i;
	int rc = -1;

	if (err)
		memset(err, 0, sizeof *err);
	memset(&v, 0, sizeof v);
	v.schema = schema;
	v.doc = doc;
	v.err = err;
	v.frag_seen = calloc(doc->nfrags + 1, 1);
	v.frag_used = calloc(doc->nfrags + 1, 1);
	if (!v.frag_seen || !v.frag_used) {
		no_memory(err);
		goto out;
	}
	if (check_operation_names(&v) || check_fragment_defs(&v) || check_fragment_cycles(&v))
		goto out;
	for (i = 0; i < doc->nops; i++)
		if (check_operation(&v, &doc->ops[i]))
			goto out;
	for (i = 0; i < doc->nfrags; i++) {
		if (!v.frag_used[i]) {
			set_err(err, doc->frags[i].line, doc->frags[i].col,
				"fragment \"%s\" is never used", doc->frags[i].name);
			goto out;
		}
	}
	rc = 0;
out:
	free(v.frag_seen);
	free(v.frag_used);
	return rc;
}

const struct cairn_gql_operation *cairn_gql_operation(const struct cairn_gql_document *doc,
						      const char *name, struct cairn_gql_error *err)
{
	size_t i;

	if (!doc->nops) {
		set_err(err, 0, 0,
			"the document contains no operation: send a query or a mutation");
		return NULL;
	}
	if (name && *name) {
		for (i = 0; i < doc->nops; i++)
			if (doc->ops[i].name && !strcmp(doc->ops[i].name, name))
				return &doc->ops[i];
		set_err(err, 0, 0, "there is no operation named \"%.100s\" in the document", name);
		return NULL;
	}
	if (doc->nops > 1) {
		set_err(err, 0, 0,
			"the document has %zu operations: say which one to run with "
			"operationName",
			doc->nops);
		return NULL;
	}
	return &doc->ops[0];
}
