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
#include "uri.h"

static struct cairn_loaded_plugin *reg;
static size_t nreg;

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
	if (d->abi_major != CAIRN_ABI_MAJOR) {
		cairn_err_set(err, "plugin %s: built for plugin ABI %u.%u, this cairn speaks ABI %d.%d; "
				   "rebuild the plugin against this cairn's SDK",
			      path, d->abi_major, d->abi_minor, CAIRN_ABI_MAJOR, CAIRN_ABI_MINOR);
		goto fail;
	}
	if (d->struct_size < sizeof(struct cairn_plugin) || !d->name || !d->ops) {
		cairn_err_set(err, "plugin %s: descriptor is incomplete (size %u, want %zu)", path,
			      d->struct_size, sizeof(struct cairn_plugin));
		goto fail;
	}
	if (d->kind == CAIRN_PLUGIN_STORAGE) {
		const struct cairn_storage_ops *ops = d->ops;
		if (!d->schemes || !d->schemes[0]) {
			cairn_err_set(err, "plugin %s: a storage plugin must name its URI schemes", path);
			goto fail;
		}
		if (ops->struct_size < sizeof *ops) {
			cairn_err_set(err, "plugin %s: storage ops table is too small", path);
			goto fail;
		}
		for (const char *const *s = d->schemes; *s; s++) {
			const struct cairn_loaded_plugin *other = cairn_plugins_for_scheme(*s);
			if (other) {
				cairn_err_set(err, "plugins %s and %s both claim scheme \"%s\"; remove one",
					      other->path, path, *s);
				goto fail;
			}
		}
	} else if (d->kind == CAIRN_PLUGIN_KEYS) {
		const struct cairn_keys_ops *ops = d->ops;
		if (ops->struct_size < sizeof *ops || !ops->selected || !ops->get_key) {
			cairn_err_set(err, "plugin %s: key-provider ops table is incomplete", path);
			goto fail;
		}
	} else {
		cairn_err_set(err, "plugin %s: unknown plugin kind %u", path, d->kind);
		goto fail;
	}
	for (size_t i = 0; i < nreg; i++)
		if (!strcmp(reg[i].desc->name, d->name)) {
			cairn_err_set(err, "plugins %s and %s have the same name \"%s\"; remove one",
				      reg[i].path, path, d->name);
			goto fail;
		}
	if (d->init) {
		cairn_err ierr = {0};
		if (d->init(cairn_host_table(), &ierr) < 0) {
			cairn_err_set(err, "plugin %s: init failed: %s", path, ierr.msg);
			goto fail;
		}
	}
	struct cairn_loaded_plugin *n = realloc(reg, (nreg + 1) * sizeof *n);
	if (!n) {
		cairn_err_set(err, "out of memory");
		goto fail;
	}
	reg = n;
	reg[nreg].path = strdup(path);
	reg[nreg].desc = d;
	reg[nreg].dl = dl;
	nreg++;
	return 0;
fail:
	dlclose(dl);
	return -1;
}

int cairn_plugins_load(const char *dir, cairn_err *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return cairn_err_set(err, "cannot open plugin directory %s: %m; set --plugin_dir", dir);
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
	qsort(names, n, sizeof *names, cmp_str); /* deterministic order and errors */
	for (size_t i = 0; i < n; i++) {
		char *path = NULL;
		if (asprintf(&path, "%s/%s", dir, names[i]) < 0)
			goto out;
		int r = cairn_plugins_load_file(path, err);
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

void cairn_plugins_unload(void)
{
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
}

int cairn_location_open(const char *location, const struct cairn_kv *params,
			struct cairn_store_loc *out, cairn_err *err)
{
	memset(out, 0, sizeof *out);
	out->uri = cairn_uri_parse(location, err);
	if (!out->uri)
		return -1;
	const struct cairn_loaded_plugin *p = cairn_plugins_for_scheme(out->uri->scheme);
	if (!p) {
		char *have = cairn_plugins_scheme_list();
		cairn_err_set(err, "no storage plugin handles scheme \"%s\" (have: %s)",
			      out->uri->scheme, have ? have : "?");
		free(have);
		goto fail;
	}
	out->ops = p->desc->ops;
	out->plugin_name = p->desc->name;
	if (out->ops->open(out->uri, params, &out->st, err) < 0)
		goto fail;
	return 0;
fail:
	cairn_uri_free(out->uri);
	out->uri = NULL;
	return -1;
}

void cairn_location_close(struct cairn_store_loc *loc)
{
	if (loc->st)
		loc->ops->close(loc->st);
	cairn_uri_free(loc->uri);
	memset(loc, 0, sizeof *loc);
}

int cairn_location_read_all(struct cairn_store_loc *loc, const char *name, size_t max,
			    char **data, size_t *len, cairn_err *err)
{
	struct cairn_reader *r = NULL;
	size_t cap = 4096, n = 0;
	char *buf = NULL;
	if (loc->ops->read_open(loc->st, name, &r, err) < 0)
		return -1;
	buf = malloc(cap + 1);
	if (!buf)
		goto oom;
	for (;;) {
		if (n == cap) {
			if (cap >= max) {
				cairn_err_set(err, "%s is larger than %zu bytes; refusing to load it", name,
					      max);
				goto fail;
			}
			cap = cap * 2 > max ? max : cap * 2;
			char *nb = realloc(buf, cap + 1);
			if (!nb)
				goto oom;
			buf = nb;
		}
		ssize_t got = loc->ops->read(r, buf + n, cap - n, err);
		if (got < 0)
			goto fail;
		if (got == 0)
			break;
		n += (size_t)got;
	}
	loc->ops->read_close(r);
	buf[n] = 0;
	*data = buf;
	*len = n;
	return 0;
oom:
	cairn_err_set(err, "out of memory");
fail:
	loc->ops->read_close(r);
	free(buf);
	return -1;
}

int cairn_location_write_all(struct cairn_store_loc *loc, const char *name, const void *data,
			     size_t len, cairn_err *err)
{
	struct cairn_writer *w = NULL;
	if (loc->ops->write_open(loc->st, name, &w, err) < 0)
		return -1;
	if (loc->ops->write(w, data, len, err) < 0) {
		loc->ops->write_abort(w);
		return -1;
	}
	return loc->ops->write_commit(w, err);
}
