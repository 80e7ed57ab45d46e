/* arena.c — memory for a parsed document: one arena of chunks, freed in one
 * walk, so the parser never frees piecemeal; and the name index, a small
 * open-addressing hash map, so that no step is quadratic in the size of a
 * hostile document. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/graphql/internal.h"

#define ARENA_CHUNK 65536

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	max_align_t data[];
};

void *gql_arena_alloc(struct arena_chunk **head, size_t n)
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

void gql_arena_free(struct arena_chunk *c)
{
	while (c) {
		struct arena_chunk *next = c->next;
		free(c);
		c = next;
	}
}

static uint64_t hash_name(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

void gql_nix_clear(struct name_index *ix)
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

const size_t *gql_nix_get(const struct name_index *ix, const char *key)
{
	struct name_slot *s;

	if (!ix->cap)
		return NULL;
	s = nix_slot(ix, key);
	return s->key ? &s->val : NULL;
}

int gql_nix_put(struct name_index *ix, const char *key, size_t val)
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
