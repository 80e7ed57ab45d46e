/* gzip.h — gzip as filters: deflate into one gzip member on the way out,
 * inflate any number of concatenated members on the way in (as gzip -d does,
 * so a later parallel compressor may write one member per block). */
#ifndef CAIRN_PIPELINE_GZIP_H
#define CAIRN_PIPELINE_GZIP_H
#include "pipeline/filter.h"

#define CAIRN_GZIP_LEVEL 6

int cairn_gzip_deflate_new(int level, struct cairn_filter **out, cairn_err *err);
/* Refuses an empty input, a cut-short member and anything after the last
 * member that is not another member. */
int cairn_gzip_inflate_new(struct cairn_filter **out, cairn_err *err);
#endif
