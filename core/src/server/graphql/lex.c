/* lex.c — the GraphQL lexer: the source must be UTF-8, then tokens one at a
 * time (punctuators, names, numbers, strings with escapes, block strings
 * dedented per the spec), with line and column in characters. Decoded strings
 * live in the document's arena. Messages never quote string or number values. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "server/graphql/internal.h"
#include "textutil.h"

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
	return gql_set_err(ps->err, ps->line, ps->col, "%s", msg);
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

void *gql_palloc(struct parser *ps, size_t n)
{
	void *p = gql_arena_alloc(ps->arena, n);

	if (!p)
		gql_no_memory(ps->err);
	return p;
}

/* \u{...}: any number of hex digits naming a Unicode scalar value; ps is
 * just past the '{'. line and col locate the backslash. */
static int read_braced_escape(struct parser *ps, const char *stop, int line, int col, uint32_t *cp)
{
	uint32_t v = 0;
	int digits = 0, big = 0;

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
		return gql_set_err(ps->err, line, col,
				   "invalid unicode escape: write \\u{ and hex digits and }");
	adv(ps);
	if (big || (v >= 0xD800 && v <= 0xDFFF))
		return gql_set_err(ps->err, line, col,
				   "unicode escape is not a valid Unicode scalar value");
	*cp = v;
	return 0;
}

/* After a high surrogate \uD800-\uDBFF, its low half must follow as \uDC00-\uDFFF. */
static int read_low_surrogate(struct parser *ps, const char *stop, int line, int col, uint32_t *lo)
{
	int i;

	*lo = 0;
	if (stop - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u')
		goto bad;
	for (i = 2; i < 6; i++) {
		int h = cairn_hexval(ps->p[i]);
		if (h < 0)
			goto bad;
		*lo = *lo * 16 + (uint32_t)h;
	}
	if (*lo < 0xDC00 || *lo > 0xDFFF)
		goto bad;
	for (i = 0; i < 6; i++)
		adv(ps);
	return 0;
bad:
	return gql_set_err(ps->err, line, col,
			   "unicode escape is a high surrogate without its low half");
}

static int read_unicode_escape(struct parser *ps, const char *stop, uint32_t *cp)
{
	int line = ps->line, col = ps->col - 1; /* at the backslash */
	uint32_t v = 0, lo;
	int i;

	adv(ps); /* u */
	if (ps->p < stop && *ps->p == '{') {
		adv(ps);
		return read_braced_escape(ps, stop, line, col, cp);
	}
	for (i = 0; i < 4; i++) {
		if (ps->p >= stop || cairn_hexval(*ps->p) < 0)
			return gql_set_err(ps->err, line, col,
					   "invalid unicode escape: \\u needs four hex digits");
		v = v * 16 + (uint32_t)cairn_hexval(*ps->p);
		adv(ps);
	}
	if (v >= 0xDC00 && v <= 0xDFFF)
		return gql_set_err(ps->err, line, col, "unicode escape is a lone low surrogate");
	if (v >= 0xD800 && v <= 0xDBFF) {
		if (read_low_surrogate(ps, stop, line, col, &lo))
			return -1;
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
			return gql_set_err(ps->err, line, col, "strings cannot contain \\u0000");
		*n += cairn_utf8_put(buf + *n, cp);
		return 0;
	default:
		if ((unsigned char)e > 0x20 && (unsigned char)e < 0x7F)
			return gql_set_err(ps->err, line, col, "invalid escape \\%c in a string",
					   e);
		return gql_set_err(ps->err, line, col, "invalid escape in a string");
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
		return gql_set_err(
		    ps->err, t->line, t->col,
		    "unterminated string: close it with '\"' on the same line, or use "
		    "a block string \"\"\"...\"\"\"");
	/* escapes only ever shrink, so the raw length is enough */
	buf = gql_palloc(ps, (size_t)(q - ps->p));
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
	lines = gql_palloc(ps, nlines * sizeof *lines);
	out = gql_palloc(ps, len + 1);
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
			return gql_set_err(ps->err, t->line, t->col,
					   "unterminated block string: close it with \"\"\"");
		if (is_triple_quote(q, ps->end))
			break;
		q += is_escaped_triple(q, ps->end) ? 4 : 1;
	}
	raw = gql_palloc(ps, (size_t)(q - start) + 1);
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
		return gql_set_err(ps->err, ps->line, ps->col, "unexpected character '%c'",
				   (char)cp);
	return gql_set_err(ps->err, ps->line, ps->col, "unexpected character U+%04X", (unsigned)cp);
}

int gql_lex(struct parser *ps)
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

/* The whole source must be UTF-8 before any token is read. */
int gql_check_utf8(const char *src, size_t len, struct cairn_gql_error *err)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0;
	int line = 1, col = 1;

	while (i < len) {
		size_t k = cairn_utf8_seq(s + i, len - i);
		if (!k)
			return gql_set_err(err, line, col, "the document is not valid UTF-8");
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
