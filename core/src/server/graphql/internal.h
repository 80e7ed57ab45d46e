/* internal.h — what the GraphQL engine's files share and nothing outside
 * core/src/server/graphql/ may use. Names here carry a gql_ prefix.
 *
 *   arena.c     the document's arena and the name index (hash map)
 *   error.c     filling a cairn_gql_error; GraphQL response error objects
 *   lex.c       UTF-8 check of the source and the lexer
 *   parse.c     the parser (document AST in the arena) and document lookups
 *   schema.c    the schema description and type text ("[Int!]!")
 *   coerce.c    input coercion of literals and variables (also validation's
 *               value check)
 *   collect.c   GetOperation and CollectFields (used by validate and execute)
 *   validate.c  every rule that needs the schema
 *   execute.c   execution through a resolver table
 *   introspect.c  the introspection types, __schema/__type and their
 *               resolvers, generated from the caller's schema description
 *   http.c      GraphQL over HTTP: GET, POST (JSON, batches,
 *               application/graphql) and CORS
 *
 * Untrusted input is bounded: GQL_MAX_DEPTH caps parser recursion, and
 * GQL_MAX_VALIDATE_DEPTH the walks that also follow fragment spreads. */
#ifndef CAIRN_GRAPHQL_INTERNAL_H
#define CAIRN_GRAPHQL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "server/graphql/graphql.h"

#define GQL_MAX_DEPTH 64	   /* nesting of selections, values and types */
#define GQL_MAX_VALIDATE_DEPTH 128 /* the same, plus fragment spreads */

/* ---- arena.c ---- */

struct arena_chunk;

/* n bytes, aligned for any type, that live until gql_arena_free; NULL when
 * out of memory. */
void *gql_arena_alloc(struct arena_chunk **head, size_t n);
void gql_arena_free(struct arena_chunk *c);

/* An open-addressing map from a name (not copied) to an index. */
struct name_slot {
	const char *key;
	size_t val;
};

struct name_index {
	struct name_slot *slots;
	size_t cap, n;
};

void gql_nix_clear(struct name_index *ix);
const size_t *gql_nix_get(const struct name_index *ix, const char *key);
/* Adds key -> val unless key is there already. Returns -1 when out of memory. */
int gql_nix_put(struct name_index *ix, const char *key, size_t val);

struct cairn_gql_doc_internal {
	struct arena_chunk *arena;
	struct name_index frags; /* name -> first fragment of that name */
};

/* ---- error.c ---- */

/* Fills e (when not NULL) and returns -1. */
__attribute__((format(printf, 4, 5))) int gql_set_err(struct cairn_gql_error *e, int line, int col,
						      const char *fmt, ...);
int gql_no_memory(struct cairn_gql_error *e);
/* "a" or "an" for the n-byte name. */
const char *gql_article(const char *name, size_t n);

/* ---- lex.c ---- */

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

/* The lexer's position and the parser's state, shared by lex.c and parse.c. */
struct parser {
	const char *p, *end;
	int line, col; /* of *p; col counts characters */
	struct token tok;
	struct arena_chunk **arena;
	struct cairn_gql_error *err;
	int depth;
};

/* The whole source must be UTF-8 before any token is read. */
int gql_check_utf8(const char *src, size_t len, struct cairn_gql_error *err);
/* Reads the next token into ps->tok. Returns 0, or -1 with ps->err filled. */
int gql_lex(struct parser *ps);
/* Arena memory for the document; fills ps->err when out of memory. */
void *gql_palloc(struct parser *ps, size_t n);

/* ---- parse.c: lookups in a parsed document ---- */

const struct cairn_gql_fragment *gql_find_fragment(const struct cairn_gql_document *doc,
						   const char *name);
const struct cairn_gql_arg *gql_find_arg(const struct cairn_gql_arg *args, size_t n,
					 const char *name);
/* The first argument whose name appeared earlier in the list, or NULL;
 * *failed is set (and err filled) when out of memory. */
const struct cairn_gql_arg *gql_duplicate_arg(const struct cairn_gql_arg *args, size_t n,
					      struct cairn_gql_error *err, int *failed);

/* ---- schema.c: types as written ("[Int!]!"), viewed without copying ---- */

struct tref {
	const char *s;
	size_t n;
};

static inline struct tref tref_of(const char *s) { return (struct tref){s, strlen(s)}; }

static inline int t_nonnull(struct tref t) { return t.n && t.s[t.n - 1] == '!'; }

static inline struct tref t_nullable(struct tref t)
{
	if (t_nonnull(t))
		t.n--;
	return t;
}

static inline int t_list(struct tref t)
{
	t = t_nullable(t);
	return t.n >= 2 && t.s[0] == '[';
}

static inline struct tref t_item(struct tref t)
{
	t = t_nullable(t);
	return (struct tref){t.s + 1, t.n - 2};
}

static inline struct tref t_named(struct tref t)
{
	while (t_list(t))
		t = t_item(t);
	return t_nullable(t);
}

static inline int t_same(struct tref a, struct tref b)
{
	return a.n == b.n && !memcmp(a.s, b.s, a.n);
}

enum scalar { S_NONE, S_INT, S_FLOAT, S_STRING, S_BOOLEAN, S_ID };

enum scalar gql_scalar_of(struct tref named);
const struct cairn_gql_type_def *gql_schema_type_n(const struct cairn_gql_schema *schema,
						   struct tref name);
const struct cairn_gql_field_def *gql_find_def(const struct cairn_gql_field_def *defs, size_t n,
					       const char *name);
/* The spec's AreTypesCompatible(variableType, locationType). */
int gql_types_compatible(struct tref var, struct tref loc);
/* "a, b, c": the names of n definitions, for messages. */
void gql_names_list(const struct cairn_gql_field_def *f, size_t n, char *buf, size_t len);

/* ---- intro_types.c ---- */

/* The introspection types by name ("__Type"), or NULL. */
const struct cairn_gql_type_def *gql_intro_type(struct tref name);
/* All of them (*n of them). */
const struct cairn_gql_type_def *gql_intro_types(size_t *n);

/* ---- introspect.c ---- */
/* __schema and __type on the schema's query type, or NULL. */
const struct cairn_gql_field_def *gql_meta_field(const struct cairn_gql_schema *schema,
						 const struct cairn_gql_type_def *td,
						 const char *name);
/* The built-in resolver for a field of an introspection type (or a meta
 * field), or NULL. */
const struct cairn_gql_resolver *gql_intro_resolver(const char *type, const char *field);

/* ---- coerce.c ---- */

struct coerce {
	const struct cairn_gql_schema *schema;
	int validate; /* check only: no output, variables checked against definitions */
	const struct cairn_gql_operation *op; /* validate: where variables are defined */
	unsigned char *var_used;	      /* validate: marks per op->vars */
	const cJSON *vars;		      /* execute: coerced variables */
	struct cairn_gql_error *err;
};

/* Input coercion of a literal to type t (or, with k->validate, only the
 * check). *out is NULL when the value is a variable with no value. what
 * names the location in messages. */
int gql_coerce_literal(struct coerce *k, struct tref t, const struct cairn_gql_value *v,
		       const char *what, cJSON **out);

/* ---- collect.c ---- */

/* CollectFields; with ignore_directives (validation), every field that could
 * be asked for, whatever @skip/@include say. */
int gql_collect(const struct cairn_gql_document *doc, const char *type,
		const struct cairn_gql_selection_set *const *sets, size_t nsets, const cJSON *vars,
		int ignore_directives, struct cairn_gql_fields *out, struct cairn_gql_error *err);

#endif
