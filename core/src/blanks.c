/* blanks.c — blank-node names to uids for one mutation (see blanks.h). */
#include "blanks.h"

#include <stdlib.h>
#include <string.h>

/* FNV-1a: names are short and chosen by the client; the table only needs
 * spreading, not secrecy (a colliding body costs its sender, bounded by
 * the body size). */
static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

static size_t find(const struct cairn_blanks *b, const char *name)
{
	size_t mask = b->nslots - 1;
	for (size_t i = hash(name) & mask;; i = (i + 1) & mask)
		if (!b->slots[i] || !strcmp(b->names[b->slots[i] - 1], name))
			return i;
}

static int grow(struct cairn_blanks *b)
{
	if (b->n == b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 64;
		char **nn = realloc(b->names, nc * sizeof *nn);
		if (!nn)
			return -1;
		b->names = nn;
		uint64_t *nu = realloc(b->uids, nc * sizeof *nu);
		if (!nu)
			return -1;
		b->uids = nu;
		b->cap = nc;
	}
	if ((b->n + 1) * 2 <= b->nslots)
		return 0;
	size_t ns = b->nslots ? b->nslots * 2 : 128;
	uint32_t *old = b->slots, *s = calloc(ns, sizeof *s);
	if (!s || b->n >= UINT32_MAX - 1) {
		free(s);
		return -1;
	}
	b->slots = s;
	b->nslots = ns;
	for (size_t i = 0; i < b->n; i++)
		b->slots[find(b, b->names[i])] = (uint32_t)(i + 1);
	free(old);
	return 0;
}

uint64_t *cairn_blanks_slot(struct cairn_blanks *b, const char *name, int add)
{
	if (b->nslots) {
		size_t i = find(b, name);
		if (b->slots[i])
			return &b->uids[b->slots[i] - 1];
	}
	if (!add || grow(b) < 0)
		return NULL;
	char *copy = strdup(name);
	if (!copy)
		return NULL;
	b->slots[find(b, name)] = (uint32_t)(b->n + 1);
	b->names[b->n] = copy;
	b->uids[b->n] = 0;
	return &b->uids[b->n++];
}

void cairn_blanks_clear(struct cairn_blanks *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->names[i]);
	free(b->names);
	free(b->uids);
	free(b->slots);
	memset(b, 0, sizeof *b);
}
