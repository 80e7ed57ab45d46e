/* Secret scrubbing (log.c): a registered secret is scrubbed whatever its
 * length; one shorter than 8 bytes only where it stands alone, so words
 * containing it stay readable; words never registered are never touched;
 * the text never grows. */
#include "check.h"
#include "log.h"

static void scrubbed(const char *in, const char *want)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", in);
	cairn_scrub(buf);
	CHECK_STR(buf, want);
}

static void short_registered_secrets_are_scrubbed_without_ordinary_words(void)
{
	/* Nothing registered yet: nothing touched. */
	scrubbed("the secret key is wrong; pass it again",
		 "the secret key is wrong; pass it again");
	cairn_add_secret("pass", 4);
	cairn_add_secret("tk7", 3);
	cairn_add_secret("Z9", 2);
	cairn_add_secret("q", 1);
	scrubbed("token pass refused", "token *** refused");
	scrubbed("key=pass&x=tk7", "key=***&x=***");
	scrubbed("'pass' \"tk7\" (Z9) q.", "'***' \"***\" (**) *.");
	scrubbed("pass", "***");
	/* Inside longer words: left alone. */
	scrubbed("password passed bypass tk77 Z9Z quick", "password passed bypass tk77 Z9Z quick");
	/* Unregistered words never: "wrong" was not registered. */
	scrubbed("the secret key is wrong", "the secret key is wrong");
}

static void long_secrets_are_scrubbed_everywhere(void)
{
	cairn_add_secret("s3cr3t-access-key", 17);
	scrubbed("xs3cr3t-access-keyx and s3cr3t-access-key", "x***x and ***");
	/* Registering nothing, or nothing at all, is harmless. */
	cairn_add_secret(NULL, 4);
	cairn_add_secret("", 0);
	scrubbed("plain text", "plain text");
}

int main(void)
{
	short_registered_secrets_are_scrubbed_without_ordinary_words();
	long_secrets_are_scrubbed_everywhere();
	CHECK_DONE();
}
