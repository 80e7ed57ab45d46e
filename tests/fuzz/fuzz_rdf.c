/* fuzz_rdf.c — a POST /mutate body (rdf.c): parsed; each parsed object's
 * text form parsed back (cairn_rdf_object_text and
 * cairn_rdf_parse_object_text, as the store keeps values); every blank
 * node entered in a blank-node table (blanks.c) and looked up again, as
 * the alpha assigns uids. */
#include <stdio.h>

#include "blanks.h"
#include "fuzz.h"
#include "rdf.h"

static void term(struct cairn_blanks *b, const struct cairn_rdf_term *t)
{
	if (t->kind == CAIRN_RDF_BLANK) {
		uint64_t *slot = cairn_blanks_slot(b, t->blank, 1);
		if (slot) {
			*slot = b->n;
			if (cairn_blanks_slot(b, t->blank, 0) != slot) {
				fprintf(stderr, "a blank node added is not found again\n");
				abort();
			}
		}
	}
	if (t->kind == CAIRN_RDF_STAR)
		return;
	char *text = cairn_rdf_object_text(t);
	if (text) {
		struct cairn_rdf_term back;
		cairn_err err = {0};
		memset(&back, 0, sizeof back);
		if (cairn_rdf_parse_object_text(text, &back, &err) != 0) {
			fprintf(stderr, "an object's own text %s is refused: %s\n", text, err.msg);
			abort();
		}
		cairn_rdf_term_clear(&back);
		free(text);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cairn_rdf_mutation m;
	struct cairn_blanks b;
	cairn_err err = {0};
	memset(&b, 0, sizeof b);
	if (cairn_rdf_parse((const char *)data, size, &m, &err) == 0) {
		for (size_t i = 0; i < m.nset; i++) {
			term(&b, &m.set[i].s);
			term(&b, &m.set[i].o);
		}
		for (size_t i = 0; i < m.ndel; i++) {
			term(&b, &m.del[i].s);
			term(&b, &m.del[i].o);
		}
		cairn_rdf_clear(&m);
	}
	cairn_blanks_clear(&b);
	/* The same text as one stored value's text form. */
	char *s = fuzz_str(data, size);
	if (s) {
		struct cairn_rdf_term t;
		memset(&t, 0, sizeof t);
		(void)cairn_rdf_parse_object_text(s, &t, &err);
		cairn_rdf_term_clear(&t);
		free(s);
	}
	return 0;
}
