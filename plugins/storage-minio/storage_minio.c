/* storage_minio.c — the minio:// storage plugin: MinIO and other
 * S3-compatible servers addressed path-style ("minio://127.0.0.1:9000/bucket",
 * "?secure=false" for plain HTTP), with MINIO_ACCESS_KEY / MINIO_SECRET_KEY.
 * The client itself is plugins/s3common. */
#include <cairn/plugin.h>
#include <cairn/storage.h>

#include "s3.h"

static const char *const schemes[] = {"minio", NULL};

static const struct cairn_plugin descriptor = {
    .abi_major = CAIRN_ABI_MAJOR,
    .abi_minor = CAIRN_ABI_MINOR,
    .struct_size = sizeof(struct cairn_plugin),
    .kind = CAIRN_PLUGIN_STORAGE,
    .name = "storage-minio",
    .version = CAIRN_S3_VERSION,
    .schemes = schemes,
    .init = s3_plugin_init_minio,
    .ops = &s3_ops_minio,
    .fini = s3_fini,
};

CAIRN_PLUGIN_DEFINE(descriptor)
