/* uri.h — backup locations: "/abs/path", "file:///abs/path",
 * "s3://host[:port]/bucket/prefix?region=x", "s3:///bucket",
 * "minio://host:port/bucket?secure=false". */
#ifndef CAIRN_URI_H
#define CAIRN_URI_H
#include <cairn/storage.h>

/* Parses s into a struct cairn_uri owned by the returned object (free with
 * cairn_uri_free). Returns NULL with err set ("bad location \"x\": ..."). */
struct cairn_uri *cairn_uri_parse(const char *s, cairn_err *err);
void cairn_uri_free(struct cairn_uri *u);
#endif
