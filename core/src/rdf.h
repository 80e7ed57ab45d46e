/* rdf.h — Dgraph's RDF mutation syntax: the body of POST /mutate.
 *
 *   { set { _:a <name> "Alice"@en . _:a <friend> <0x2> . }
 *     delete { <0x2> <age> * . } }
 *
 * A body may also be bare N-Quad lines (all treated as set), or a single
 * set or delete section. Subjects are uids (<0x..>, never 0) or blank nodes
 * (_:name); predicates are <iri>; objects are uids, blank nodes, string
 * literals with an optional @lang or ^^<type>, or (in delete only) `*`.
 * Errors name the 1-based line and column (in characters) of the offending
 * token: "line 3 column 12: expected '.' after object". */
#ifndef CAIRN_RDF_H
#define CAIRN_RDF_H

#include <cairn/plugin.h>
#include <stddef.h>
#include <stdint.h>

enum cairn_rdf_kind {
	CAIRN_RDF_UID,
	CAIRN_RDF_BLANK,
	CAIRN_RDF_LITERAL,
	CAIRN_RDF_STAR, /* delete's "every object" */
};

struct cairn_rdf_term {
	enum cairn_rdf_kind kind;
	uint64_t uid; /* CAIRN_RDF_UID */
	char *blank;  /* CAIRN_RDF_BLANK: the name after "_:" */
	char *value;  /* CAIRN_RDF_LITERAL: unescaped UTF-8, no NUL inside */
	char *lang;   /* CAIRN_RDF_LITERAL: language tag or NULL */
	char *type;   /* CAIRN_RDF_LITERAL: datatype IRI (without <>) or NULL */
};

struct cairn_rdf_quad {
	struct cairn_rdf_term s; /* CAIRN_RDF_UID or CAIRN_RDF_BLANK */
	char *pred;		 /* without <> */
	struct cairn_rdf_term o;
	int line, col; /* where the statement starts */
};

struct cairn_rdf_mutation {
	struct cairn_rdf_quad *set;
	size_t nset;
	struct cairn_rdf_quad *del;
	size_t ndel;
};

/* Parses len bytes of body into *out (which it initialises). Returns 0, or -1
 * with a message in err and *out left empty. Linear in len. */
int cairn_rdf_parse(const char *body, size_t len, struct cairn_rdf_mutation *out, cairn_err *err);
void cairn_rdf_clear(struct cairn_rdf_mutation *m);

/* The canonical N-Quad text of an object term: "<0x2a>" (lower-case hex),
 * "\"Alice\"@en", "\"30\"^^<xs:int>". Escapes exactly \" \\ \n \r \t, other
 * control characters below 0x20 as \u00XX, and leaves other UTF-8 as it is.
 * Returns a malloc'd string, or NULL for a blank node, `*`, or no memory. */
char *cairn_rdf_object_text(const struct cairn_rdf_term *o);

/* The inverse of cairn_rdf_object_text: the whole of text must be one uid or
 * one literal. Returns 0, or -1 with a message in err and *out cleared. */
int cairn_rdf_parse_object_text(const char *text, struct cairn_rdf_term *out, cairn_err *err);

/* Frees what a term owns and zeroes it. */
void cairn_rdf_term_clear(struct cairn_rdf_term *t);

#endif
