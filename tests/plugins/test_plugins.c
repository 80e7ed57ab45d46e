/* Test plugins for the loader: one source, built several ways. */
#include <cairn/storage.h>
#include <string.h>

static int t_open(const struct cairn_uri *u, const struct cairn_kv *p, struct cairn_storage **o,
		  cairn_err *e)
{
	(void)u;
	(void)p;
	(void)o;
	return cairn_err_set(e, "test plugin opens nothing");
}

static const struct cairn_storage_ops ops = {
	.struct_size = sizeof(struct cairn_storage_ops),
	.open = t_open,
};

static const char *const schemes[] = {TEST_SCHEME, NULL};

static const struct cairn_plugin plugin = {
	.abi_major = TEST_ABI_MAJOR,
	.abi_minor = 7,
	.struct_size = sizeof(struct cairn_plugin),
	.kind = CAIRN_PLUGIN_STORAGE,
	.name = TEST_NAME,
	.version = "test",
	.schemes = schemes,
	.ops = &ops,
};

#ifndef TEST_NO_ENTRY
CAIRN_EXPORT const struct cairn_plugin *cairn_plugin_entry(void) { return &plugin; }
#else
CAIRN_EXPORT const struct cairn_plugin *not_the_entry(void);
CAIRN_EXPORT const struct cairn_plugin *not_the_entry(void) { return &plugin; }
#endif
