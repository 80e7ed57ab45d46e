/* loader.c — find, dlopen, check the ABI, register by scheme.
 * The registry is the one piece of process-wide state: built once at start,
 * read-only afterwards. */
#include "plugin/loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "plugin/host.h"

static struct cairn_loaded_plugin *reg;
static size_t nreg;
static char *loaded_dir; /* what cairn_plugins_load_once loaded */
/* A lenient load (cairn plugins) records each file that failed and goes on. */
static int lenient;
static struct cairn_plugin_failure *failed;
static size_t nfailed;

char *cairn_default_plugin_dir(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return strdup(CAIRN_PLUGIN_RELDIR);
	exe[n] = 0;
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = 0;
	char *out = NULL;
	if (asprintf(&out, "%s/../%s", exe, CAIRN_PLUGIN_RELDIR) < 0)
		return NULL;
	char real[PATH_MAX];
	if (realpath(out, real)) {
		free(out);
		return strdup(real);
	}
	return out;
}

size_t cairn_plugins_count(void) { return nreg; }
const struct cairn_loaded_plugin *cairn_plugins_at(size_t i) { return i < nreg ? &reg[i] : NULL; }

const struct cairn_loaded_plugin *cairn_plugins_for_scheme(const char *scheme)
{
	for (size_t i = 0; i < nreg; i++) {
		const struct cairn_plugin *d = reg[i].desc;
		if (d->kind != CAIRN_PLUGIN_STORAGE || !d->schemes)
			continue;
		for (const char *const *s = d->schemes; *s; s++)
			if (!strcmp(*s, scheme))
				return &reg[i];
	}
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *cairn_plugins_scheme_list(void)
{
	const char *names[256];
	size_t n = 0, len = 1;
	for (size_t i = 0; i < nreg; i++) {
		const struct cairn_plugin *d = reg[i].desc;
		if (d->kind != CAIRN_PLUGIN_STORAGE || !d->schemes)
			continue;
		for (const char *const *s = d->schemes; *s && n < 256; s++) {
			names[n++] = *s;
			len += strlen(*s) + 2;
		}
	}
	if (n > 1)
		qsort(names, n, sizeof *names, cmp_str);
	char *out = malloc(len + 8);
	if (!out)
		return NULL;
	out[0] = 0;
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(out, ", ");
		strcat(out, names[i]);
	}
	if (!n)
		strcpy(out, "none");
	return out;
}

/* The first required storage op the table lacks, or NULL. */
static const char *storage_missing_op(const struct cairn_storage_ops *o)
{
	return !o->open		  ? "open"
	       : !o->close	  ? "close"
	       : !o->list	  ? "list"
	       : !o->stat	  ? "stat"
	       : !o->remove	  ? "remove"
	       : !o->write_open	  ? "write_open"
	       : !o->write	  ? "write"
	       : !o->write_commit ? "write_commit"
	       : !o->write_abort  ? "write_abort"
	       : !o->read_open	  ? "read_open"
	       : !o->read	  ? "read"
	       : !o->read_close	  ? "read_close"
				  : NULL;
}

/* Checks a storage plugin's table and that its schemes are free. */
static int check_storage(const char *path, const struct cairn_plugin *d, cairn_err *err)
{
	const struct cairn_storage_ops *ops = d->ops;
	const char *missing;
	if (!d->schemes || !d->schemes[0])
		return cairn_err_set(err, "plugin %s: a storage plugin must name its URI schemes",
				     path);
	if (ops->struct_size < CAIRN_STORAGE_OPS_SIZE_1_0)
		return cairn_err_set(
		    err,
		    "plugin %s: storage ops table is %u bytes, smaller than ABI "
		    "1.0's %zu; set struct_size to sizeof(struct cairn_storage_ops)",
		    path, ops->struct_size, (size_t)CAIRN_STORAGE_OPS_SIZE_1_0);
	if ((missing = storage_missing_op(ops)) != NULL)
		return cairn_err_set(err,
				     "plugin %s: storage op %s is missing; a storage plugin must "
				     "provide every op up to read_close",
				     path, missing);
	for (const char *const *s = d->schemes; *s; s++) {
		const struct cairn_loaded_plugin *other = cairn_plugins_for_scheme(*s);
		if (other)
			return cairn_err_set(
			    err, "plugins %s and %s both claim scheme \"%s\"; remove one",
			    other->path, path, *s);
	}
	return 0;
}

static int check_keys(const char *path, const struct cairn_plugin *d, cairn_err *err)
{
	const struct cairn_keys_ops *ops = d->ops;
	if (ops->struct_size < CAIRN_KEYS_OPS_SIZE_1_0)
		return cairn_err_set(
		    err,
		    "plugin %s: key-provider ops table is %u bytes, smaller than "
		    "ABI 1.0's %zu; set struct_size to sizeof(struct cairn_keys_ops)",
		    path, ops->struct_size, (size_t)CAIRN_KEYS_OPS_SIZE_1_0);
	if (!ops->selected || !ops->get_key)
		return cairn_err_set(
		    err,
		    "plugin %s: key-provider op %s is missing; a key provider must "
		    "provide selected and get_key",
		    path, !ops->selected ? "selected" : "get_key");
	return 0;
}

/* The descriptor's own checks: ABI, size, kind and its ops table. */
static int check_descriptor(const char *path, const struct cairn_plugin *d, cairn_err *err)
{
	if (d->abi_major != CAIRN_ABI_MAJOR)
		return cairn_err_set(err,
				     "plugin %s: built for plugin ABI %u.%u, this cairn speaks ABI "
				     "%d.%d; rebuild the plugin against this cairn's SDK",
				     path, d->abi_major, d->abi_minor, CAIRN_ABI_MAJOR,
				     CAIRN_ABI_MINOR);
	if (d->struct_size < CAIRN_PLUGIN_SIZE_1_0 || !d->name || !d->ops)
		return cairn_err_set(err,
				     "plugin %s: descriptor is incomplete (size %u, ABI 1.0 needs "
				     "%zu; name and ops must be set)",
				     path, d->struct_size, (size_t)CAIRN_PLUGIN_SIZE_1_0);
	if (d->kind == CAIRN_PLUGIN_STORAGE)
		return check_storage(path, d, err);
	if (d->kind == CAIRN_PLUGIN_KEYS)
		return check_keys(path, d, err);
	return cairn_err_set(err, "plugin %s: unknown plugin kind %u", path, d->kind);
}

int cairn_plugins_load_file(const char *path, cairn_err *err)
{
	void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!dl)
		return cairn_err_set(err, "plugin %s: cannot load: %s", path, dlerror());
	cairn_plugin_entry_fn entry;
	*(void **)&entry = dlsym(dl, CAIRN_PLUGIN_ENTRY_NAME);
	const struct cairn_plugin *d = entry ? entry() : NULL;
	if (!entry) {
		cairn_err_set(err, "plugin %s: no %s() entry point; is it a cairn plugin?", path,
			      CAIRN_PLUGIN_ENTRY_NAME);
		goto fail;
	}
	if (!d) {
		cairn_err_set(err, "plugin %s: %s() returned no descriptor", path,
			      CAIRN_PLUGIN_ENTRY_NAME);
		goto fail;
	}
	if (check_descriptor(path, d, err) < 0)
		goto fail;
	for (size_t i = 0; i < nreg; i++)
		if (!strcmp(reg[i].desc->name, d->name)) {
			cairn_err_set(err,
				      "plugins %s and %s have the same name \"%s\"; remove one",
				      reg[i].path, path, d->name);
			goto fail;
		}
	struct cairn_loaded_plugin *n = realloc(reg, (nreg + 1) * sizeof *n);
	char *pathcopy = strdup(path);
	if (n)
		reg = n;
	if (!n || !pathcopy) {
		free(pathcopy);
		cairn_err_set(err, "out of memory");
		goto fail;
	}
	if (d->init) {
		cairn_err ierr = {0};
		if (d->init(cairn_host_table(), &ierr) < 0) {
			free(pathcopy);
			cairn_err_set(err, "plugin %s: init failed: %s", path, ierr.msg);
			goto fail;
		}
	}
	reg[nreg].path = pathcopy;
	reg[nreg].desc = d;
	reg[nreg].dl = dl;
	nreg++;
	return 0;
fail:
	dlclose(dl);
	return -1;
}

size_t cairn_plugins_failed_count(void) { return nfailed; }
const struct cairn_plugin_failure *cairn_plugins_failed_at(size_t i)
{
	return i < nfailed ? &failed[i] : NULL;
}

/* Lenient load: keeps path's error and reports success. */
static int record_failure(const char *path, cairn_err *err)
{
	struct cairn_plugin_failure *n = realloc(failed, (nfailed + 1) * sizeof *n);
	if (!n || !(n[nfailed].path = strdup(path))) {
		if (n)
			failed = n;
		return cairn_err_set(err, "out of memory");
	}
	failed = n;
	n[nfailed].err = *err;
	nfailed++;
	memset(err, 0, sizeof *err);
	return 0;
}

static int load_dir(const char *dir, cairn_err *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return cairn_err_set(err, "cannot open plugin directory %s: %m; set --plugin_dir",
				     dir);
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	int rc = -1;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (len < 4 || strcmp(e->d_name + len - 3, ".so") != 0)
			continue;
		char **nn = realloc(names, (n + 1) * sizeof *nn);
		if (!nn)
			goto out;
		names = nn;
		names[n++] = strdup(e->d_name);
	}
	if (n > 1)
		qsort(names, n, sizeof *names, cmp_str); /* deterministic order and errors */
	for (size_t i = 0; i < n; i++) {
		char *path = NULL;
		if (asprintf(&path, "%s/%s", dir, names[i]) < 0)
			goto out;
		int r = cairn_plugins_load_file(path, err);
		if (r < 0 && lenient)
			r = record_failure(path, err);
		free(path);
		if (r < 0)
			goto out;
	}
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

int cairn_plugins_load(const char *dirs, cairn_err *err)
{
	char *copy = strdup(dirs), *save = NULL;
	int rc = 0;
	if (!copy)
		return cairn_err_set(err, "out of memory");
	for (char *d = strtok_r(copy, ":", &save); d && rc == 0; d = strtok_r(NULL, ":", &save))
		rc = load_dir(d, err);
	free(copy);
	return rc;
}

int cairn_plugins_load_lenient(const char *dir, cairn_err *err)
{
	lenient = 1;
	int rc = cairn_plugins_load_once(dir, err);
	lenient = 0;
	return rc;
}

int cairn_plugins_load_once(const char *dir, cairn_err *err)
{
	char *dflt = dir && *dir ? NULL : cairn_default_plugin_dir();
	const char *d = dflt ? dflt : dir;
	int rc = 0;
	if (!d) {
		free(dflt);
		return cairn_err_set(err, "cannot find the plugin directory; set --plugin_dir");
	}
	if (loaded_dir && !strcmp(loaded_dir, d))
		goto out;
	if (loaded_dir) {
		rc = cairn_err_set(err,
				   "plugins were already loaded from %s, not %s; give one "
				   "--plugin_dir",
				   loaded_dir, d);
		goto out;
	}
	rc = cairn_plugins_load(d, err);
	if (rc == 0 && !(loaded_dir = strdup(d)))
		rc = cairn_err_set(err, "out of memory");
	if (rc < 0)
		cairn_plugins_unload(); /* all or nothing, so a retry starts clean */
out:
	free(dflt);
	return rc;
}

void cairn_plugins_unload(void)
{
	for (size_t i = nreg; i-- > 0;)
		if (CAIRN_HAS(reg[i].desc, fini))
			reg[i].desc->fini();
	for (size_t i = 0; i < nreg; i++) {
		/* Under ASan keep the code mapped so leak reports can symbolize. */
#ifndef __SANITIZE_ADDRESS__
		dlclose(reg[i].dl);
#endif
		free(reg[i].path);
	}
	free(reg);
	reg = NULL;
	nreg = 0;
	free(loaded_dir);
	loaded_dir = NULL;
	for (size_t i = 0; i < nfailed; i++)
		free(failed[i].path);
	free(failed);
	failed = NULL;
	nfailed = 0;
}
