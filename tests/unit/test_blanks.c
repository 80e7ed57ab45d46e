/* test_blanks.c — the blank-node table of one mutation (core/src/blanks.c). */
#include "blanks.h"

#include "check.h"

#define N 80000

static void test_80000_names_get_80000_distinct_slots_in_first_seen_order(void)
{
	struct cairn_blanks b = {0};
	char name[32];
	size_t added = 0, found = 0, same = 0;
	for (size_t i = 0; i < N; i++) {
		snprintf(name, sizeof name, "n%zu", i);
		uint64_t *s = cairn_blanks_slot(&b, name, 1);
		if (s) {
			*s = i + 1;
			added++;
		}
	}
	/* each name again: found, not added */
	for (size_t i = 0; i < N; i++) {
		snprintf(name, sizeof name, "n%zu", i);
		uint64_t *s = cairn_blanks_slot(&b, name, 1);
		found += s != NULL;
		same += s && *s == i + 1;
	}
	printf("blank nodes: %zu added, %zu found again with their uid, %zu entries, %zu slots\n",
	       added, same, b.n, b.nslots);
	CHECK(added == N && found == N && same == N);
	CHECK(b.n == N);
	CHECK(b.nslots >= 2 * b.n && b.nslots <= 8 * b.n);
	CHECK_STR(b.names[0], "n0");
	CHECK_STR(b.names[N - 1], "n79999");
	CHECK(cairn_blanks_slot(&b, "absent", 0) == NULL);
	CHECK(b.n == N);
	cairn_blanks_clear(&b);
	CHECK(b.n == 0 && b.names == NULL && b.slots == NULL);
	cairn_blanks_clear(&b); /* twice is harmless */
}

static void test_lookup_in_an_empty_table_adds_nothing(void)
{
	struct cairn_blanks b = {0};
	CHECK(cairn_blanks_slot(&b, "a", 0) == NULL);
	CHECK(b.n == 0);
	uint64_t *s = cairn_blanks_slot(&b, "a", 1);
	CHECK(s && *s == 0);
	CHECK(cairn_blanks_slot(&b, "a", 0) == s);
	CHECK(cairn_blanks_slot(&b, "b", 1) != s);
	CHECK(b.n == 2);
	cairn_blanks_clear(&b);
}

int main(void)
{
	test_80000_names_get_80000_distinct_slots_in_first_seen_order();
	test_lookup_in_an_empty_table_adds_nothing();
	CHECK_DONE();
}
