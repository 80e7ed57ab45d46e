/* graphql.h — the GraphQL engine's API: executable documents (spec, October
 * 2021) checked and run against a schema the caller describes.
 *
 * Parsing is syntax only: a document of operations and fragments. Everything
 * that needs a schema (known fields and arguments, value types, variables,
 * fragment type conditions, cycles, @skip/@include) is cairn_gql_validate,
 * against the small schema description below. Execution follows the spec's
 * algorithms: GetOperation, CoerceVariableValues, CoerceArgumentValues,
 * CollectFields and ExecuteRequest, the last dispatching fields through the
 * caller's resolver table (one row per type and field).
 *
 * The engine lives in this directory, one step a file (internal.h has the
 * map). It knows no particular schema: admin.c is one user.
 *
 * Errors carry a person-readable message and, where the document is to blame,
 * the 1-based line and column (in characters). Messages never quote string or
 * number values from the document or the variables, so a secret passed as an
 * argument cannot come back in an error. */
#ifndef CAIRN_GRAPHQL_H
#define CAIRN_GRAPHQL_H

#include <stddef.h>

#include <cairn/plugin.h>
#include <cjson/cJSON.h>

struct cairn_gql_error {
	char message[512];
	int line, col; /* 0: no location in the document */
};

/* ---- the document ---- */

enum cairn_gql_value_kind {
	CAIRN_GQL_VARIABLE, /* text: the name, without '$' */
	CAIRN_GQL_INT,	    /* text: as written */
	CAIRN_GQL_FLOAT,    /* text: as written */
	CAIRN_GQL_STRING,   /* text: decoded (block strings already dedented) */
	CAIRN_GQL_BOOLEAN,  /* boolean */
	CAIRN_GQL_NULL,
	CAIRN_GQL_ENUM,	 /* text: the name */
	CAIRN_GQL_LIST,	 /* items */
	CAIRN_GQL_OBJECT /* fields */
};

struct cairn_gql_arg;

struct cairn_gql_value {
	enum cairn_gql_value_kind kind;
	int line, col;
	const char *text;
	int boolean;
	struct cairn_gql_value *items;
	size_t nitems;
	struct cairn_gql_arg *fields;
	size_t nfields;
};

/* An argument, or a field of an input object value. */
struct cairn_gql_arg {
	const char *name;
	int line, col;
	struct cairn_gql_value value;
};

struct cairn_gql_directive {
	const char *name; /* without '@' */
	int line, col;
	struct cairn_gql_arg *args;
	size_t nargs;
};

struct cairn_gql_selection;

struct cairn_gql_selection_set {
	struct cairn_gql_selection *items;
	size_t n; /* 0: no selection set (a written one is never empty) */
};

enum cairn_gql_selection_kind {
	CAIRN_GQL_FIELD,
	CAIRN_GQL_FRAGMENT_SPREAD,
	CAIRN_GQL_INLINE_FRAGMENT
};

struct cairn_gql_selection {
	enum cairn_gql_selection_kind kind;
	int line, col;
	const char *alias;	    /* field; NULL when none */
	const char *name;	    /* field name, or the spread fragment's name */
	const char *type_condition; /* inline fragment; NULL when none */
	struct cairn_gql_arg *args; /* field */
	size_t nargs;
	struct cairn_gql_directive *directives;
	size_t ndirectives;
	struct cairn_gql_selection_set sel; /* field, inline fragment */
};

struct cairn_gql_variable_def {
	const char *name; /* without '$' */
	int line, col;
	const char *type;		       /* canonical, e.g. "[Int!]!" */
	struct cairn_gql_value *default_value; /* NULL when none */
	struct cairn_gql_directive *directives;
	size_t ndirectives;
};

enum cairn_gql_op_type { CAIRN_GQL_QUERY, CAIRN_GQL_MUTATION, CAIRN_GQL_SUBSCRIPTION };

struct cairn_gql_operation {
	enum cairn_gql_op_type type;
	const char *name; /* NULL when anonymous */
	int line, col;
	struct cairn_gql_variable_def *vars;
	size_t nvars;
	struct cairn_gql_directive *directives;
	size_t ndirectives;
	struct cairn_gql_selection_set sel;
};

struct cairn_gql_fragment {
	const char *name;
	int line, col;
	const char *type_condition;
	struct cairn_gql_directive *directives;
	size_t ndirectives;
	struct cairn_gql_selection_set sel;
};

struct cairn_gql_document {
	struct cairn_gql_operation *ops;
	size_t nops;
	struct cairn_gql_fragment *frags;
	size_t nfrags;
	struct cairn_gql_doc_internal *internal; /* memory and indexes */
};

/* Parses len bytes of src. Returns the document, or NULL with err filled. */
struct cairn_gql_document *cairn_gql_parse(const char *src, size_t len,
					   struct cairn_gql_error *err);
void cairn_gql_free(struct cairn_gql_document *doc);

/* ---- the schema, as much as validation and coercion need ---- */

/* Types are written in GraphQL syntax ("String!", "[NodeState]"). The
 * scalars Int, Float, String, Boolean and ID are built in. */
struct cairn_gql_field_def {
	const char *name;
	const char *type;			/* NULL on an enum value */
	const struct cairn_gql_field_def *args; /* a field's arguments; none on input fields */
	size_t nargs;
};

/* An enum type's fields are its values (name and description only). Enums
 * are output types here. */
enum cairn_gql_type_kind { CAIRN_GQL_OBJECT_TYPE, CAIRN_GQL_INPUT_TYPE, CAIRN_GQL_ENUM_TYPE };

struct cairn_gql_type_def {
	const char *name;
	enum cairn_gql_type_kind kind;
	const struct cairn_gql_field_def *fields;
	size_t nfields;
};

/* Introspection's descriptions and deprecations, kept beside the tables so
 * that a row above stays four words: type alone, "field" on type, or
 * "field(arg)" / "inputField" for arguments and input fields. */
struct cairn_gql_doc {
	const char *type;
	const char *field;	 /* NULL: the type itself */
	const char *description; /* NULL: none */
	const char *deprecated;	 /* not NULL: deprecated, and why */
};

struct cairn_gql_schema {
	const struct cairn_gql_type_def *types;
	size_t ntypes;
	const char *query_type;		  /* NULL: the schema has no queries */
	const char *mutation_type;	  /* NULL: the schema has no mutations */
	const struct cairn_gql_doc *docs; /* may be NULL */
	size_t ndocs;
};

/* A type of the schema, or of introspection (__Schema, __Type, ...). */
const struct cairn_gql_type_def *cairn_gql_schema_type(const struct cairn_gql_schema *schema,
						       const char *name);
const struct cairn_gql_field_def *cairn_gql_type_field(const struct cairn_gql_type_def *type,
						       const char *name);
/* The named type at the core of a type: "[NodeState]!" -> "NodeState". The
 * name is copied into buf (truncated to n). Returns buf. */
const char *cairn_gql_named_type(const char *type, char *buf, size_t n);

/* ---- validation and execution ---- */

/* Checks the whole document against the schema: operations (unique names, a
 * lone anonymous one, a root type for their kind), variables (unique, input
 * types, valid defaults, all defined, all used, types fit where used), fields
 * and arguments (known, required ones present, values of the right type,
 * selection sets exactly on object fields, fields sharing a response name
 * agree), fragments (known, unique, on a type that fits, used, no cycles) and
 * directives (only @skip and @include, on fields and fragments, with if).
 * Returns 0, or -1 with the first problem in err. */
int cairn_gql_validate(const struct cairn_gql_schema *schema, const struct cairn_gql_document *doc,
		       struct cairn_gql_error *err);

/* The operation to run: the one called name, or the only one when name is
 * NULL or empty. Returns NULL with err filled otherwise. */
const struct cairn_gql_operation *cairn_gql_operation(const struct cairn_gql_document *doc,
						      const char *name,
						      struct cairn_gql_error *err);

/* Coerces the request's variables (a JSON object, or NULL) for op: defaults
 * applied, required ones present, each value of its declared type. *out gets
 * a new object holding exactly the variables that have a value. */
int cairn_gql_coerce_variables(const struct cairn_gql_schema *schema,
			       const struct cairn_gql_operation *op, const cJSON *variables,
			       cJSON **out, struct cairn_gql_error *err);

/* Coerces one value from the document to JSON for a location of the given
 * type, taking variables from vars (as made by cairn_gql_coerce_variables).
 * what names the location in messages ("argument \"input\" of field
 * \"backup\""). *out is NULL when the value is a variable with no value. */
int cairn_gql_coerce_value(const struct cairn_gql_schema *schema, const char *type,
			   const struct cairn_gql_value *value, const cJSON *vars, const char *what,
			   cJSON **out, struct cairn_gql_error *err);

/* Coerces a field's arguments against its definition: *out gets a new object
 * of the arguments that have a value. */
int cairn_gql_coerce_arguments(const struct cairn_gql_schema *schema,
			       const struct cairn_gql_field_def *def,
			       const struct cairn_gql_selection *field, const cJSON *vars,
			       cJSON **out, struct cairn_gql_error *err);

/* Fields grouped by response name (alias, else name), in first-seen order. */
struct cairn_gql_field_group {
	const char *key;
	const char *name;
	const struct cairn_gql_selection **fields;
	size_t n;
};

struct cairn_gql_fields {
	struct cairn_gql_field_group *groups;
	size_t n;
};

/* CollectFields over one or more selection sets (several when merging the
 * sub-selections of fields that share a response name) for an object of
 * type type_name: expands fragment spreads and inline fragments whose type
 * condition fits, and drops what @skip/@include exclude given vars. */
int cairn_gql_collect_fields(const struct cairn_gql_document *doc, const char *type_name,
			     const struct cairn_gql_selection_set *const *sets, size_t nsets,
			     const cJSON *vars, struct cairn_gql_fields *out,
			     struct cairn_gql_error *err);
void cairn_gql_fields_clear(struct cairn_gql_fields *fields);

/* ---- execution through a resolver table ---- */

/* What a resolver is given for one field. */
struct cairn_gql_resolve {
	void *ctx;				 /* the executor's ctx */
	const struct cairn_gql_type_def *type;	 /* the object type the field is on */
	const struct cairn_gql_field_def *field; /* the field's definition */
	const cJSON *parent;			 /* the parent object's JSON; NULL on a root type */
	const cJSON *args; /* the coerced arguments: an object of those that have a value */
	const struct cairn_gql_schema *schema; /* the executor's schema */
};

/* Sets *out to the field's value as plain JSON for its whole type (NULL or a
 * JSON null: null); completion then shapes it to what was selected, so a
 * resolver never sees the query. *out is the resolver's to allocate and the
 * executor's to free. Returns 0, or -1 with a message a person can act on in
 * err: the field becomes null and the message a field error with its path. */
typedef int (*cairn_gql_resolver_fn)(const struct cairn_gql_resolve *r, cJSON **out,
				     cairn_err *err);

/* One row of a resolver table: the resolver for field on type. A field with
 * no row takes its parent's JSON member of the same name (NULL on a root
 * type: null). */
struct cairn_gql_resolver {
	const char *type;
	const char *field;
	cairn_gql_resolver_fn resolve;
};

struct cairn_gql_executor {
	const struct cairn_gql_schema *schema;
	const struct cairn_gql_resolver *resolvers;
	size_t nresolvers;
	void *ctx; /* handed to every resolver */
};

/* The spec's ExecuteRequest for len bytes of query: parse, validate, pick the
 * operation (operation_name may be NULL), coerce variables (a JSON object, or
 * NULL), then run the operation's fields one after another. Returns the
 * response object, {"errors": [...], "data": ...} with "errors" only when
 * there are some and "data" null when the request failed before anything
 * ran (no resolver runs unless the whole document is valid); NULL only when
 * out of memory. */
cJSON *cairn_gql_execute(const struct cairn_gql_executor *ex, const char *query, size_t len,
			 const char *operation_name, const cJSON *variables);

/* ---- GraphQL over HTTP (http.c) ---- */

#define CAIRN_GQL_MAX_BATCH 32 /* requests in one batched POST */

struct cairn_gql_http_req {
	const char *method;	  /* "GET", "POST", "OPTIONS", ... */
	const char *content_type; /* NULL: none */
	const char *body;	  /* POST */
	size_t len;
	const char *query, *variables, *operation_name; /* GET: URL parameters, NULL if absent */
	const char *origin;				/* the Origin header; NULL: none */
	/* Page origins allowed to call (CORS): a comma list of exact origins
	 * ("https://ui.example.com:8443") or "*"; NULL or "": loopback pages
	 * only (http(s)://localhost, 127.0.0.1 or [::1], any port). */
	const char *cors_origins;
};

struct cairn_gql_http_resp {
	int status;
	char *body;	   /* malloc'd JSON; NULL: none (a preflight) */
	char headers[640]; /* more response headers, "Name: value\n" lines */
};

/* Serves one request to a GraphQL endpoint (GraphQL over HTTP):
 *  - OPTIONS: a CORS preflight, answered 204 from the method and origin
 *    alone (no resolver runs, no credentials needed);
 *  - GET ?query=&variables=&operationName=: queries only; a mutation gets
 *    405 (Allow: POST);
 *  - POST application/json {"query", "variables", "operationName"}, or a
 *    JSON array of such (a batch of at most CAIRN_GQL_MAX_BATCH, answered
 *    by an array), or application/graphql (the query itself); with no or
 *    another content type the body is sniffed (a JSON object or array is
 *    JSON, anything else a query). variables: an object, null, or a string
 *    holding a JSON object.
 * A request carrying an Origin that is not allowed gets 403 before anything
 * runs (a page elsewhere cannot make a browser run a mutation); an allowed
 * one gets Access-Control-Allow-Origin (never with credentials). Status:
 * 200 for every GraphQL result, errors included; 400 when the request is
 * not a GraphQL request at all. Returns 0, or -1 when out of memory. */
int cairn_gql_http_serve(const struct cairn_gql_executor *ex, const struct cairn_gql_http_req *req,
			 struct cairn_gql_http_resp *resp);

/* Is a page at origin allowed by cors_origins (as above)? */
int cairn_gql_origin_allowed(const char *origin, const char *cors_origins);
/* Appends the CORS answer headers for an allowed origin to headers (the
 * "Name: value\n" lines of n bytes), so that a page sees even an answer
 * made elsewhere (a refused token). Returns 1, or 0 (nothing appended) when
 * the origin is not allowed or absent. */
int cairn_gql_cors_headers(const char *origin, const char *cors_origins, char *headers, size_t n);

/* Appends a GraphQL error object to *errors (an array, made when NULL): the
 * message, "locations" when line > 0, and a copy of path when not NULL. */
void cairn_gql_add_error(cJSON **errors, const char *message, int line, int col, const cJSON *path);

#endif
