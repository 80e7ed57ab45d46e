/* export.h — the export mutation's two sides (alpha/export.c): the alpha
 * asked coordinates (cairn_alpha_export in alpha.h, or cairn_alpha_export_files
 * when the caller wants the file list), and every other group's alpha writes
 * its group's file when asked over POST /internal/export. */
#ifndef CAIRN_ALPHA_EXPORT_H
#define CAIRN_ALPHA_EXPORT_H

#include <stddef.h>

#include <cairn/plugin.h>
#include <cjson/cJSON.h>

#include "alpha/alpha.h"

#define CAIRN_EXPORT_PATH "/internal/export"

struct cairn_version;
/* Where an RDF line goes: 0, or -1 to stop. */
typedef int (*cairn_export_put_fn)(void *sink, const char *p, size_t n);
/* One version as an N-Quad line, "<0x1> <name> \"Alice\" .\n": the bytes of
 * GET /export and of an RDF export file. 0, or -1 if put failed. */
int cairn_export_rdf_line(const struct cairn_version *v, cairn_export_put_fn put, void *sink);

/* cairn_alpha_export, also giving *files: a malloc'd JSON array of the
 * files written, relative to the destination ("export.X/g01.rdf.gz", ...,
 * "export.X/export.json"); NULL on failure. */
int cairn_alpha_export_files(struct cairn_alpha *a, const cJSON *input,
			     struct cairn_task_progress *p, char **result, cJSON **files,
			     cairn_err *err);

/* Serves POST /internal/export: writes this group's file for an export
 * another alpha coordinates. Returns the JSON answer (malloc'd) or NULL
 * with err (no secret in it). */
char *cairn_alpha_export_serve(struct cairn_alpha *a, const char *body, size_t len, cairn_err *err);

#endif
