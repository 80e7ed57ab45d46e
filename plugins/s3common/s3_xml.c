/* s3_xml.c — just enough XML for S3's answers.
 *
 * S3 answers with flat, machine-written documents (<Error>, <ListBucketResult>,
 * <InitiateMultipartUploadResult>, <CompleteMultipartUploadResult>), and we
 * read a handful of leaf elements from them. A purpose-built scanner keeps
 * a full XML library out of the plugins; it decodes the five predefined
 * entities and numeric character references, which is all S3 emits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "s3.h"

static const char *find(const char *s, const char *end, const char *needle)
{
	size_t n = strlen(needle);
	for (; s && s + n <= end; s++)
		if (*s == *needle && memcmp(s, needle, n) == 0)
			return s;
	return NULL;
}

/* Finds <tag> or <tag attr...> or <tag/>; sets *content past the '>'. */
static const char *open_tag(const char *s, const char *end, const char *tag, const char **content,
			    int *empty)
{
	size_t n = strlen(tag);
	while ((s = find(s, end, "<")) != NULL) {
		const char *p = s + 1;
		if ((size_t)(end - p) > n && memcmp(p, tag, n) == 0 &&
		    (p[n] == '>' || p[n] == ' ' || p[n] == '/' || p[n] == '\t' || p[n] == '\n' ||
		     p[n] == '\r')) {
			const char *gt = find(p + n, end, ">");
			if (!gt)
				return NULL;
			*empty = gt[-1] == '/';
			*content = gt + 1;
			return s;
		}
		s = p;
	}
	return NULL;
}

const char *s3_xml_block(const char *xml, const char *end, const char *tag, const char **inner,
			 const char **inner_end)
{
	const char *content;
	char close[80];
	int empty;
	if (!xml || snprintf(close, sizeof close, "</%s>", tag) >= (int)sizeof close)
		return NULL;
	if (!open_tag(xml, end, tag, &content, &empty))
		return NULL;
	if (empty) {
		*inner = *inner_end = content;
		return content;
	}
	const char *c = find(content, end, close);
	if (!c)
		return NULL;
	*inner = content;
	*inner_end = c;
	return c + strlen(close);
}

static void put_utf8(char **p, uint32_t cp)
{
	unsigned char *o = (unsigned char *)*p;
	if (cp < 0x80) {
		*o++ = (unsigned char)cp;
	} else if (cp < 0x800) {
		*o++ = (unsigned char)(0xC0 | (cp >> 6));
		*o++ = (unsigned char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		*o++ = (unsigned char)(0xE0 | (cp >> 12));
		*o++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		*o++ = (unsigned char)(0x80 | (cp & 0x3F));
	} else {
		*o++ = (unsigned char)(0xF0 | (cp >> 18));
		*o++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		*o++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		*o++ = (unsigned char)(0x80 | (cp & 0x3F));
	}
	*p = (char *)o;
}

/* Decoding never grows the text: "&#x10FFFF;" is 10 bytes for 4. */
static char *decode(const char *s, const char *end)
{
	char *out = malloc((size_t)(end - s) + 1), *o = out;
	if (!out)
		return NULL;
	while (s < end) {
		if (*s != '&') {
			*o++ = *s++;
			continue;
		}
		const char *semi = memchr(s, ';', (size_t)(end - s));
		size_t n = semi ? (size_t)(semi - s) : 0;
		if (n == 4 && !memcmp(s, "&amp", 4))
			*o++ = '&';
		else if (n == 3 && !memcmp(s, "&lt", 3))
			*o++ = '<';
		else if (n == 3 && !memcmp(s, "&gt", 3))
			*o++ = '>';
		else if (n == 5 && !memcmp(s, "&quot", 5))
			*o++ = '"';
		else if (n == 5 && !memcmp(s, "&apos", 5))
			*o++ = '\'';
		else if (n > 2 && n < 12 && s[1] == '#') {
			char num[12];
			memcpy(num, s + 2, n - 2);
			num[n - 2] = 0;
			char *e;
			unsigned long cp = (num[0] == 'x' || num[0] == 'X')
					       ? strtoul(num + 1, &e, 16)
					       : strtoul(num, &e, 10);
			if (*e || cp > 0x10FFFF) {
				*o++ = *s++;
				continue;
			}
			put_utf8(&o, (uint32_t)cp);
		} else {
			*o++ = *s++;
			continue;
		}
		s = semi + 1;
	}
	*o = 0;
	return out;
}

char *s3_xml_text(const char *xml, const char *end, const char *tag, const char **next)
{
	const char *inner, *inner_end;
	const char *after = s3_xml_block(xml, end, tag, &inner, &inner_end);
	if (!after)
		return NULL;
	if (next)
		*next = after;
	return decode(inner, inner_end);
}

char *s3_xml_escape(const char *s)
{
	size_t n = 0;
	for (const char *p = s; *p; p++)
		n += (*p == '&' || *p == '<' || *p == '>' || *p == '"' || *p == '\'') ? 6 : 1;
	char *out = malloc(n + 1), *o = out;
	if (!out)
		return NULL;
	for (; *s; s++) {
		const char *rep = NULL;
		switch (*s) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&apos;";
			break;
		}
		if (rep) {
			size_t k = strlen(rep);
			memcpy(o, rep, k);
			o += k;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
	return out;
}
