/* storage_s3.c — the s3:// storage plugin: Amazon S3 and S3-compatible
 * services ("s3://s3.us-west-2.amazonaws.com/bucket", "s3:///bucket" for the
 * default host, "s3://127.0.0.1:7480/bucket?secure=false" for a custom
 * endpoint). The client itself is plugins/s3common. */
#include <cairn/plugin.h>
#include <cairn/storage.h>

#include "s3.h"

static const char *const schemes[] = {"s3", NULL};

static const struct cairn_plugin descriptor = {
    .abi_major = CAIRN_ABI_MAJOR,
    .abi_minor = CAIRN_ABI_MINOR,
    .struct_size = sizeof(struct cairn_plugin),
    .kind = CAIRN_PLUGIN_STORAGE,
    .name = "storage-s3",
    .version = CAIRN_S3_VERSION,
    .schemes = schemes,
    .init = s3_plugin_init_aws,
    .ops = &s3_ops_aws,
    .fini = s3_fini,
};

CAIRN_PLUGIN_DEFINE(descriptor)
