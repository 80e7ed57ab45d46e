/* parse.c — the parser: an executable document (operations and fragments)
 * as the AST in graphql.h, every node in the document's arena, recursion
 * capped at GQL_MAX_DEPTH; and the lookups the other steps make in a parsed
 * document (fragments by name, arguments by name, duplicates). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/graphql/internal.h"

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
	return gql_set_err(ps->err, ps->tok.line, ps->tok.col, "expected %s, found %s", what,
			   found);
}

static int expect(struct parser *ps, enum tok kind, const char *what)
{
	if (ps->tok.kind != kind)
		return expected(ps, what);
	return gql_lex(ps);
}

static int is_keyword(const struct parser *ps, const char *kw)
{
	size_t n = strlen(kw);

	return ps->tok.kind == T_NAME && ps->tok.n == n && !memcmp(ps->tok.s, kw, n);
}

static const char *tok_name(struct parser *ps)
{
	char *s = gql_palloc(ps, ps->tok.n + 1);

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
	na = gql_palloc(ps, *cap * size);
	if (na && n)
		memcpy(na, arr, n * size);
	return na;
}

static int enter(struct parser *ps)
{
	if (++ps->depth > GQL_MAX_DEPTH)
		return gql_set_err(ps->err, ps->tok.line, ps->tok.col,
				   "the document nests too deeply (more than %d levels)",
				   GQL_MAX_DEPTH);
	return 0;
}

static int parse_value(struct parser *ps, int is_const, struct cairn_gql_value *v);

static int parse_list(struct parser *ps, int is_const, struct cairn_gql_value *v)
{
	size_t cap = 0;

	v->kind = CAIRN_GQL_LIST;
	if (enter(ps) || gql_lex(ps))
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
	return gql_lex(ps);
}

static int parse_object(struct parser *ps, int is_const, struct cairn_gql_value *v)
{
	size_t cap = 0;

	v->kind = CAIRN_GQL_OBJECT;
	if (enter(ps) || gql_lex(ps))
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
		if (!(f->name = tok_name(ps)) || gql_lex(ps) ||
		    expect(ps, T_COLON, "':' after the field name") ||
		    parse_value(ps, is_const, &f->value))
			return -1;
		v->nfields++;
	}
	ps->depth--;
	return gql_lex(ps);
}

static int parse_value(struct parser *ps, int is_const, struct cairn_gql_value *v)
{
	v->line = ps->tok.line;
	v->col = ps->tok.col;
	switch (ps->tok.kind) {
	case T_DOLLAR:
		if (is_const)
			return gql_set_err(ps->err, v->line, v->col,
					   "a default value cannot use a variable");
		if (gql_lex(ps))
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
		return gql_lex(ps);
	case T_NAME:
		if (is_keyword(ps, "true") || is_keyword(ps, "false")) {
			v->kind = CAIRN_GQL_BOOLEAN;
			v->boolean = is_keyword(ps, "true");
			return gql_lex(ps);
		}
		if (is_keyword(ps, "null")) {
			v->kind = CAIRN_GQL_NULL;
			return gql_lex(ps);
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
	return gql_lex(ps);
}

static int parse_arguments(struct parser *ps, int is_const, struct cairn_gql_arg **args, size_t *n)
{
	size_t cap = 0;

	if (gql_lex(ps))
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
		if (!(a->name = tok_name(ps)) || gql_lex(ps) ||
		    expect(ps, T_COLON, "':' after the argument name") ||
		    parse_value(ps, is_const, &a->value))
			return -1;
		(*n)++;
	}
	return gql_lex(ps);
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
		if (gql_lex(ps))
			return -1;
		if (ps->tok.kind != T_NAME)
			return expected(ps, "a directive name after '@'");
		if (!(d->name = tok_name(ps)) || gql_lex(ps))
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
		if (gql_lex(ps) || parse_type(ps, &inner) ||
		    expect(ps, T_BRACKET_R, "']' to close the list type"))
			return -1;
		n = strlen(inner) + 2;
		if (!(s = gql_palloc(ps, n + 2)))
			return -1;
		snprintf(s, n + 1, "[%s]", inner);
	} else if (ps->tok.kind == T_NAME) {
		n = ps->tok.n;
		if (!(s = gql_palloc(ps, n + 2)))
			return -1;
		memcpy(s, ps->tok.s, n);
		s[n] = '\0';
		if (gql_lex(ps))
			return -1;
	} else {
		return expected(ps, "a type");
	}
	if (ps->tok.kind == T_BANG) {
		s[n] = '!';
		s[n + 1] = '\0';
		if (gql_lex(ps))
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
		if (gql_lex(ps))
			return -1;
		if (ps->tok.kind == T_NAME && !is_keyword(ps, "on")) {
			sel->kind = CAIRN_GQL_FRAGMENT_SPREAD;
			if (!(sel->name = tok_name(ps)) || gql_lex(ps))
				return -1;
			return parse_directives(ps, 0, &sel->directives, &sel->ndirectives);
		}
		sel->kind = CAIRN_GQL_INLINE_FRAGMENT;
		if (is_keyword(ps, "on")) {
			if (gql_lex(ps))
				return -1;
			if (ps->tok.kind != T_NAME)
				return expected(ps, "a type name after \"on\"");
			if (!(sel->type_condition = tok_name(ps)) || gql_lex(ps))
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
	if (!(sel->name = tok_name(ps)) || gql_lex(ps))
		return -1;
	if (ps->tok.kind == T_COLON) {
		sel->alias = sel->name;
		if (gql_lex(ps))
			return -1;
		if (ps->tok.kind != T_NAME)
			return expected(ps, "a field name after the alias");
		if (!(sel->name = tok_name(ps)) || gql_lex(ps))
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

	if (enter(ps) || gql_lex(ps))
		return -1;
	if (ps->tok.kind == T_BRACE_R)
		return gql_set_err(ps->err, ps->tok.line, ps->tok.col,
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
	return gql_lex(ps);
}

static int parse_variable_defs(struct parser *ps, struct cairn_gql_operation *op)
{
	size_t cap = 0;

	if (gql_lex(ps))
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
		if (gql_lex(ps))
			return -1;
		if (ps->tok.kind != T_NAME)
			return expected(ps, "a variable name after '$'");
		if (!(d->name = tok_name(ps)) || gql_lex(ps) ||
		    expect(ps, T_COLON, "':' and a type after the variable name") ||
		    parse_type(ps, &d->type))
			return -1;
		if (ps->tok.kind == T_EQUALS) {
			if (gql_lex(ps) ||
			    !(d->default_value = gql_palloc(ps, sizeof *d->default_value)) ||
			    parse_value(ps, 1, d->default_value))
				return -1;
		}
		if (parse_directives(ps, 1, &d->directives, &d->ndirectives))
			return -1;
		op->nvars++;
	}
	return gql_lex(ps);
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
	if (gql_lex(ps))
		return -1;
	if (ps->tok.kind == T_NAME && (!(op->name = tok_name(ps)) || gql_lex(ps)))
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
	if (gql_lex(ps))
		return -1;
	if (ps->tok.kind != T_NAME)
		return expected(ps, "a fragment name");
	if (is_keyword(ps, "on"))
		return gql_set_err(ps->err, ps->tok.line, ps->tok.col,
				   "a fragment cannot be named \"on\"");
	if (!(f->name = tok_name(ps)) || gql_lex(ps))
		return -1;
	if (!is_keyword(ps, "on"))
		return expected(ps, "\"on\" and a type after the fragment name");
	if (gql_lex(ps))
		return -1;
	if (ps->tok.kind != T_NAME)
		return expected(ps, "a type name after \"on\"");
	if (!(f->type_condition = tok_name(ps)) || gql_lex(ps) ||
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

	if (gql_lex(ps))
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
			return gql_set_err(
			    ps->err, ps->tok.line, ps->tok.col,
			    "type system definitions are not allowed here: send a query or "
			    "a mutation");
		} else {
			return expected(ps, "query, mutation, subscription, fragment or '{'");
		}
	}
	if (!doc->nops && !doc->nfrags)
		return gql_set_err(ps->err, ps->tok.line, ps->tok.col,
				   "the document is empty: send a query or a mutation");
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
		gql_no_memory(err);
		goto out;
	}
	if (!src)
		src = "";
	if (gql_check_utf8(src, len, err))
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
		if (gql_nix_put(&doc->internal->frags, doc->frags[i].name, i)) {
			gql_no_memory(err);
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
		gql_arena_free(doc->internal->arena);
		gql_nix_clear(&doc->internal->frags);
		free(doc->internal);
	}
	free(doc);
}

const struct cairn_gql_fragment *gql_find_fragment(const struct cairn_gql_document *doc,
						   const char *name)
{
	const size_t *i = gql_nix_get(&doc->internal->frags, name);

	return i ? &doc->frags[*i] : NULL;
}

const struct cairn_gql_arg *gql_find_arg(const struct cairn_gql_arg *args, size_t n,
					 const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(args[i].name, name))
			return &args[i];
	return NULL;
}

/* The first argument whose name appeared earlier in the list, or NULL. */
const struct cairn_gql_arg *gql_duplicate_arg(const struct cairn_gql_arg *args, size_t n,
					      struct cairn_gql_error *err, int *failed)
{
	struct name_index ix = {0};
	const struct cairn_gql_arg *dup = NULL;
	size_t i;

	*failed = 0;
	for (i = 0; i < n && !dup; i++) {
		if (gql_nix_get(&ix, args[i].name))
			dup = &args[i];
		else if (gql_nix_put(&ix, args[i].name, i))
			*failed = gql_no_memory(err);
		if (*failed)
			break;
	}
	gql_nix_clear(&ix);
	return dup;
}
