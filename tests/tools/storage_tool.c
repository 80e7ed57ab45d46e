/* storage_tool.c — drives any storage plugin the way cairn does, for tests
 * and by hand: load the plugin directory, open a location by URI, and move
 * one object through the plugin's ops.
 *
 *   storage_tool [--plugin_dir DIR] [--config FILE] [--param KEY=VALUE]... [-v]
 *                COMMAND URI [ARGS]
 *
 *   put URI NAME [--abort]  stdin -> object (--abort: write it all, then
 *                           write_abort instead of write_commit)
 *   get URI NAME            object -> stdout (--range OFFSET:LENGTH: only that
 *                           part, through the host's ranged read; LENGTH 0
 *                           is to the end)
 *   list URI [PREFIX]       one "SIZE<TAB>NAME" line per object, sorted by name
 *   stat URI NAME           prints the size; exit 3 if there is no such object
 *   rm URI NAME
 *
 * --param passes open() parameters (accessKey, secretKey, sessionToken,
 * anonymous); --config loads an ini file whose sections ([s3], [minio], ...)
 * the plugins read through the host table. Credentials otherwise come from
 * the environment, as in cairn. --chunk N sets the size of each write/read
 * call (default 1 MiB).
 *
 * Exit status: 0 done, 1 "error: ..." on stderr, 2 bad usage, 3 no such object. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "plugin/location.h"

static int usage(void)
{
	fprintf(
	    stderr,
	    "usage: storage_tool [--plugin_dir DIR] [--config FILE] [--param KEY=VALUE]... [-v]\n"
	    "                    [--chunk BYTES] put|get|list|stat|rm URI [NAME|PREFIX] "
	    "[--abort] [--range OFFSET:LENGTH]\n");
	return 2;
}

struct listing {
	char **names;
	uint64_t *sizes;
	size_t n, cap;
};

static int on_list(void *ctx, const char *name, uint64_t size, cairn_err *err)
{
	struct listing *l = ctx;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 256;
		char **nn = realloc(l->names, cap * sizeof *nn);
		if (nn)
			l->names = nn;
		uint64_t *ns = realloc(l->sizes, cap * sizeof *ns);
		if (ns)
			l->sizes = ns;
		if (!nn || !ns)
			return cairn_err_set(err, "out of memory");
		l->cap = cap;
	}
	if (!(l->names[l->n] = strdup(name)))
		return cairn_err_set(err, "out of memory");
	l->sizes[l->n++] = size;
	return 0;
}

static struct listing *sort_base;

static int cmp_index(const void *a, const void *b)
{
	return strcmp(sort_base->names[*(const size_t *)a], sort_base->names[*(const size_t *)b]);
}

static int do_list(struct cairn_store_loc *loc, const char *prefix, cairn_err *err)
{
	struct listing l = {0};
	size_t *idx = NULL;
	int rc = -1;
	if (cairn_location_list(loc, prefix, on_list, &l, err) < 0)
		goto out;
	if (!(idx = malloc((l.n ? l.n : 1) * sizeof *idx))) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < l.n; i++)
		idx[i] = i;
	sort_base = &l;
	qsort(idx, l.n, sizeof *idx, cmp_index);
	for (size_t i = 0; i < l.n; i++)
		printf("%llu\t%s\n", (unsigned long long)l.sizes[idx[i]], l.names[idx[i]]);
	rc = 0;
out:
	for (size_t i = 0; i < l.n; i++)
		free(l.names[i]);
	free(l.names);
	free(l.sizes);
	free(idx);
	return rc;
}

static int do_put(struct cairn_store_loc *loc, const char *name, int abort_it, size_t chunk,
		  cairn_err *err)
{
	struct cairn_writer *w = NULL;
	char *buf = malloc(chunk);
	int rc = -1;
	if (!buf)
		return cairn_err_set(err, "out of memory");
	if (loc->ops->write_open(loc->st, name, &w, err) < 0)
		goto out;
	for (;;) {
		size_t n = fread(buf, 1, chunk, stdin);
		if (n > 0 && loc->ops->write(w, buf, n, err) < 0) {
			loc->ops->write_abort(w);
			goto out;
		}
		if (n < chunk) {
			if (ferror(stdin)) {
				cairn_err_set(err, "cannot read standard input: %s",
					      strerror(errno));
				loc->ops->write_abort(w);
				goto out;
			}
			break;
		}
	}
	if (abort_it) {
		loc->ops->write_abort(w);
		rc = 0;
	} else {
		rc = loc->ops->write_commit(w, err);
	}
out:
	free(buf);
	return rc;
}

/* range NULL: the whole object through read_open; "OFFSET:LENGTH": through
 * cairn_location_read_open_range, as a parallel restore would. */
static int do_get(struct cairn_store_loc *loc, const char *name, const char *range, size_t chunk,
		  cairn_err *err)
{
	struct cairn_reader *r = NULL;
	struct cairn_range_reader *rr = NULL;
	unsigned long long off = 0, len = 0;
	char *buf = malloc(chunk);
	int rc = -1;
	if (!buf)
		return cairn_err_set(err, "out of memory");
	if (range && sscanf(range, "%llu:%llu", &off, &len) != 2) {
		cairn_err_set(err, "--range wants OFFSET:LENGTH, not \"%s\"", range);
		goto out;
	}
	if (range ? cairn_location_read_open_range(loc, name, off, len, &rr, err) < 0
		  : loc->ops->read_open(loc->st, name, &r, err) < 0)
		goto out;
	for (;;) {
		ssize_t n =
		    rr ? cairn_range_read(rr, buf, chunk, err) : loc->ops->read(r, buf, chunk, err);
		if (n < 0)
			break;
		if (n == 0) {
			rc = 0;
			break;
		}
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) {
			cairn_err_set(err, "cannot write standard output: %s", strerror(errno));
			break;
		}
	}
	if (rr)
		cairn_range_reader_close(rr);
	else
		loc->ops->read_close(r);
	if (rc == 0 && fflush(stdout) != 0)
		rc = cairn_err_set(err, "cannot write standard output: %s", strerror(errno));
out:
	free(buf);
	return rc;
}

/* Loads --config FILE through the same code the cairn subcommands use, so
 * that the plugins' config_get sees its sections. */
static int load_config(const char *file, struct cairn_opts *opts, cairn_err *err)
{
	static const struct cairn_flag none[] = {{NULL, 0, NULL, NULL, 0}};
	char *argv[] = {"storage_tool", "--config", (char *)file, NULL};
	return cairn_opts_parse("storage_tool", NULL, none, 3, argv, opts, err) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct cairn_kv *params = calloc((size_t)argc + 1, sizeof *params);
	const char *plugin_dir = NULL, *config = NULL, *range = NULL;
	char *dflt = NULL, *pos[4] = {0};
	size_t nparams = 0, npos = 0, chunk = 1 << 20;
	int abort_it = 0, rc = 1, opened = 0, have_opts = 0;
	struct cairn_store_loc loc;
	struct cairn_opts opts;
	cairn_err err = {0};

	if (!params)
		return 1;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i], *eq;
		if (!strcmp(a, "-v")) {
			cairn_log_set_level(CAIRN_LOG_DEBUG);
		} else if (!strcmp(a, "--plugin_dir") && i + 1 < argc) {
			plugin_dir = argv[++i];
		} else if (!strncmp(a, "--plugin_dir=", 13)) {
			plugin_dir = a + 13;
		} else if (!strcmp(a, "--config") && i + 1 < argc) {
			config = argv[++i];
		} else if (!strcmp(a, "--chunk") && i + 1 < argc) {
			chunk = strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(a, "--param") && i + 1 < argc &&
			   (eq = strchr(argv[i + 1], '='))) {
			*eq = 0;
			params[nparams++] = (struct cairn_kv){argv[++i], eq + 1};
		} else if (!strcmp(a, "--abort")) {
			abort_it = 1;
		} else if (!strcmp(a, "--range") && i + 1 < argc) {
			range = argv[++i];
		} else if (a[0] == '-' && a[1]) {
			free(params);
			return usage();
		} else if (npos < 4) {
			pos[npos++] = a;
		} else {
			free(params);
			return usage();
		}
	}
	const char *cmd = pos[0], *uri = pos[1], *arg = pos[2];
	int needs_name = cmd && (!strcmp(cmd, "put") || !strcmp(cmd, "get") ||
				 !strcmp(cmd, "stat") || !strcmp(cmd, "rm"));
	if (!cmd || !uri || chunk == 0 || (needs_name && (!arg || npos != 3)) ||
	    (!needs_name && (strcmp(cmd, "list") || npos > 3))) {
		free(params);
		return usage();
	}
	cairn_log_set_name("storage_tool");
	if (config) {
		if (load_config(config, &opts, &err) < 0) {
			cairn_print_error(err.msg);
			goto out;
		}
		have_opts = 1;
	}
	if (!plugin_dir)
		plugin_dir = dflt = cairn_default_plugin_dir();
	if (cairn_plugins_load(plugin_dir, &err) < 0) {
		cairn_print_error(err.msg);
		goto out;
	}
	if (cairn_location_open(uri, params, &loc, &err) < 0) {
		cairn_print_error(err.msg);
		goto out;
	}
	opened = 1;

	int r = 0;
	if (!strcmp(cmd, "put")) {
		r = do_put(&loc, arg, abort_it, chunk, &err);
	} else if (!strcmp(cmd, "get")) {
		r = do_get(&loc, arg, range, chunk, &err);
	} else if (!strcmp(cmd, "list")) {
		r = do_list(&loc, arg, &err);
	} else if (!strcmp(cmd, "rm")) {
		r = loc.ops->remove(loc.st, arg, &err);
	} else {
		int exists = 0;
		uint64_t size = 0;
		r = loc.ops->stat(loc.st, arg, &exists, &size, &err);
		if (r == 0 && !exists) {
			fprintf(stderr, "no object \"%s\" at %s\n", arg, uri);
			rc = 3;
			goto out;
		}
		if (r == 0)
			printf("%llu\n", (unsigned long long)size);
	}
	if (r < 0) {
		cairn_print_error(err.msg);
		goto out;
	}
	rc = 0;
out:
	if (opened)
		cairn_location_close(&loc);
	cairn_plugins_unload();
	if (have_opts)
		cairn_opts_clear(&opts);
	free(dflt);
	free(params);
	return rc;
}
