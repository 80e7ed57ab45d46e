/* keys_vault.c — the key provider for the --vault_* flags: log in to Vault
 * with AppRole, read one field of a KV secret, decode it into the key.
 *
 * The flow is Dgraph's: POST /v1/auth/approle/login with the role-id and
 * secret-id files' contents, then GET /v1/<vault_path> with the token, and
 * take <vault_field> from data.data (KV v2) or data (KV v1). Every failure
 * gets its own message, because "could not get key" sends an operator
 * guessing. The role-id, secret-id, token and key are handed to
 * host->add_secret the moment they are read, and wiped before they are freed. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <cairn/keys.h>
#include <curl/curl.h>

#include "base64.h"
#include "vault_http.h"

#define ID_MAX 4096

static const struct cairn_host *host;

struct vault_cfg {
	char addr[512];
	const char *roleid_file;
	const char *secretid_file;
	char path[512];
	const char *field;
	int raw; /* vault_format=raw */
	const char *ns;
	const char *ca_file;
};

static void add_secret(const void *p, size_t n)
{
	if (n && host && host->add_secret)
		host->add_secret(p, n);
}

static const char *cfg_or(const struct cairn_kv *cfg, const char *key, const char *dflt)
{
	const char *v = cairn_kv_get(cfg, key);
	return v && *v ? v : dflt;
}

static int kv_init(const struct cairn_host *h, cairn_err *err)
{
	host = h;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return cairn_err_set(err, "cannot initialise libcurl");
	return 0;
}

static void kv_fini(void)
{
	curl_global_cleanup(); /* pairs with kv_init's curl_global_init */
	host = NULL;
}

static int kv_selected(const struct cairn_kv *cfg)
{
	return cfg_or(cfg, "vault_roleid_file", NULL) || cfg_or(cfg, "vault_secretid_file", NULL);
}

/* A path or namespace goes into a URL or a header line as it is. */
static int plain_text(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return 0;
	return 1;
}

static int parse_cfg(const struct cairn_kv *cfg, struct vault_cfg *vc, cairn_err *err)
{
	const char *addr = cfg_or(cfg, "vault_addr", "http://localhost:8200");
	const char *path = cfg_or(cfg, "vault_path", "secret/data/cairn");
	const char *format = cfg_or(cfg, "vault_format", "base64");
	size_t n;

	memset(vc, 0, sizeof *vc);
	if (strncmp(addr, "http://", 7) != 0 && strncmp(addr, "https://", 8) != 0)
		return cairn_err_set(err,
				     "vault_addr \"%s\" is not an http:// or https:// address; "
				     "e.g. https://vault.example.com:8200",
				     addr);
	snprintf(vc->addr, sizeof vc->addr, "%s", addr);
	for (n = strlen(vc->addr); n && vc->addr[n - 1] == '/'; n--)
		vc->addr[n - 1] = 0;

	while (*path == '/')
		path++;
	snprintf(vc->path, sizeof vc->path, "%s", path);
	for (n = strlen(vc->path); n && vc->path[n - 1] == '/'; n--)
		vc->path[n - 1] = 0;
	if (!vc->path[0])
		return cairn_err_set(err, "vault_path is empty; e.g. secret/data/cairn");

	if (strcmp(format, "base64") == 0)
		vc->raw = 0;
	else if (strcmp(format, "raw") == 0)
		vc->raw = 1;
	else
		return cairn_err_set(err, "vault_format \"%s\" is neither base64 nor raw", format);

	if (!plain_text(vc->path))
		return cairn_err_set(err, "vault_path \"%s\" has spaces or control characters",
				     vc->path);
	vc->field = cfg_or(cfg, "vault_field", "enc_key");
	vc->ns = cfg_or(cfg, "vault_namespace", NULL);
	if (vc->ns && !plain_text(vc->ns))
		return cairn_err_set(err, "vault_namespace \"%s\" has spaces or control characters",
				     vc->ns);
	vc->ca_file = cfg_or(cfg, "vault_ca_file", NULL);
	vc->roleid_file = cfg_or(cfg, "vault_roleid_file", NULL);
	vc->secretid_file = cfg_or(cfg, "vault_secretid_file", NULL);
	if (!vc->roleid_file || !vc->secretid_file)
		return cairn_err_set(err,
				     "%s is not set; an approle login needs both vault_roleid_file "
				     "and vault_secretid_file",
				     vc->roleid_file ? "vault_secretid_file" : "vault_roleid_file");
	if (vc->ca_file && access(vc->ca_file, R_OK) != 0)
		return cairn_err_set(err, "cannot read vault_ca_file \"%s\" (%s)", vc->ca_file,
				     strerror(errno));
	return 0;
}

/* Reads a role-id or secret-id file into out (NUL-terminated), trailing
 * newline trimmed, and registers it as a secret before anything else. */
static int read_id_file(const char *what, const char *path, char *out, size_t cap, cairn_err *err)
{
	size_t n = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0) {
		if (errno == ENOENT)
			return cairn_err_setc(err, CAIRN_E_NOTFOUND,
					      "%s \"%s\" does not exist; check %s", what, path,
					      what);
		if (errno == EACCES || errno == EPERM)
			return cairn_err_setc(err, CAIRN_E_PERMISSION,
					      "cannot read %s \"%s\" (permission denied); make it "
					      "readable by the user cairn runs as",
					      what, path);
		return cairn_err_set(err, "cannot read %s \"%s\" (%s)", what, path,
				     strerror(errno));
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return cairn_err_set(err, "%s \"%s\" is a directory, not a file", what, path);
	}
	while (n < cap - 1 && (r = read(fd, out + n, cap - 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			explicit_bzero(out, cap);
			return cairn_err_set(err, "cannot read %s \"%s\" (%s)", what, path,
					     strerror(e));
		}
		n += (size_t)r;
	}
	close(fd);
	out[n] = 0;
	add_secret(out, n);
	if (n == cap - 1) {
		explicit_bzero(out, cap);
		return cairn_err_set(err, "%s \"%s\" is too big to hold an approle id", what, path);
	}
	while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = 0;
	add_secret(out, n);
	if (n == 0)
		return cairn_err_set(
		    err, "%s \"%s\" is empty; write the approle's %s into it", what, path,
		    strcmp(what, "vault_roleid_file") == 0 ? "role-id" : "secret-id");
	return 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ' "secret/data/cairn" in namespace "ns1"' */
static const char *where(const struct vault_cfg *vc, const char *path, char *buf, size_t n)
{
	if (vc->ns)
		snprintf(buf, n, "\"%s\" in namespace \"%s\"", path, vc->ns);
	else
		snprintf(buf, n, "\"%s\"", path);
	return buf;
}

static int sealed(const struct vault_conn *c, const struct vault_resp *r, cairn_err *err)
{
	char says[600];
	vault_says(r, says, sizeof says);
	if (!vault_has_error(r, "Vault is sealed"))
		return cairn_err_set(err,
				     "vault at %s is unavailable (HTTP 503)%s; check that it is "
				     "initialised, unsealed and active",
				     c->addr, says);
	return cairn_err_set(
	    err,
	    "vault at %s is sealed (HTTP 503)%s; unseal it (vault operator unseal) "
	    "and try again",
	    c->addr, says);
}

static int unexpected(const struct vault_conn *c, const char *method, const char *path,
		      const struct vault_resp *r, cairn_err *err)
{
	char says[600];
	vault_says(r, says, sizeof says);
	return cairn_err_set(err, "unexpected answer from vault at %s to %s /v1/%s: HTTP %ld%s",
			     c->addr, method, path, r->status, says);
}

/* The answer to the AppRole login (r, freed by the caller): token gets
 * auth.client_token, *lease its lease_duration. Apart from the request so
 * that tests/fuzz/fuzz_vault.c reads answers without HTTP. */
static int login_answer(const struct vault_conn *c, const struct vault_cfg *vc,
			struct vault_resp *r, char **token, double *lease, cairn_err *err)
{
	static const char path[] = "auth/approle/login";
	char says[600], loc[600];
	cJSON *auth, *tok, *ld;

	*token = NULL;
	vault_says(r, says, sizeof says);
	switch (r->status) {
	case 200:
		break;
	case 503:
		sealed(c, r, err);
		return -1;
	case 400:
	case 401:
	case 403:
		cairn_err_setc(
		    err, CAIRN_E_AUTH,
		    "vault at %s refused the approle login (HTTP %ld)%s; check that "
		    "vault_roleid_file and vault_secretid_file hold a current role-id and "
		    "secret-id%s",
		    c->addr, r->status, says, vc->ns ? " of a role in vault_namespace" : "");
		return -1;
	case 404:
		if (vc->ns)
			snprintf(loc, sizeof loc, " in namespace \"%s\"", vc->ns);
		else
			loc[0] = 0;
		cairn_err_set(err,
			      "vault at %s has no approle login at auth/approle/login%s%s; enable "
			      "it (vault auth enable approle)%s",
			      c->addr, loc, says, vc->ns ? " or check vault_namespace" : "");
		return -1;
	default:
		unexpected(c, "POST", path, r, err);
		return -1;
	}
	auth = cJSON_GetObjectItemCaseSensitive(r->json, "auth");
	tok = cJSON_GetObjectItemCaseSensitive(auth, "client_token");
	if (!r->json) {
		vault_malformed(c, "POST", path, r, NULL, err);
		return -1;
	}
	if (!cJSON_IsString(tok) || !tok->valuestring[0]) {
		vault_malformed(c, "POST", path, r, "auth.client_token", err);
		return -1;
	}
	add_secret(tok->valuestring, strlen(tok->valuestring));
	ld = cJSON_GetObjectItemCaseSensitive(auth, "lease_duration");
	*lease = cJSON_IsNumber(ld) ? ld->valuedouble : 0;
	*token = strdup(tok->valuestring);
	if (!*token)
		return cairn_err_set(err, "out of memory");
	return 0;
}

/* AppRole login: token gets auth.client_token, *lease its lease_duration. */
static int login(const struct vault_conn *c, const struct vault_cfg *vc, const char *role_id,
		 const char *secret_id, char **token, double *lease, cairn_err *err)
{
	static const char path[] = "auth/approle/login";
	struct vault_resp r;
	cJSON *req = cJSON_CreateObject();
	char *body = NULL;
	int rc = -1;

	*token = NULL;
	if (!req || !cJSON_AddStringToObject(req, "role_id", role_id) ||
	    !cJSON_AddStringToObject(req, "secret_id", secret_id) ||
	    !(body = cJSON_PrintUnformatted(req))) {
		cairn_err_set(err, "out of memory building the vault login");
		goto out_req;
	}
	if (host && host->log)
		host->log(CAIRN_LOG_DEBUG, "keys-vault", "approle login at %s%s%s", c->addr,
			  vc->ns ? " in namespace " : "", vc->ns ? vc->ns : "");
	if (vault_request(c, "POST", path, NULL, body, &r, err) < 0)
		goto out_req;
	rc = login_answer(c, vc, &r, token, lease, err);
	vault_resp_free(&r);
out_req:
	if (body) {
		explicit_bzero(body, strlen(body));
		free(body);
	}
	if (req) {
		cJSON *f;
		cJSON_ArrayForEach(f, req)
		{
			explicit_bzero(f->valuestring, strlen(f->valuestring));
		}
		cJSON_Delete(req);
	}
	return rc;
}

/* "secret/cairn" -> "secret/data/cairn": what a KV v2 mount wants. */
static void v2_path(const char *path, char *out, size_t n)
{
	const char *slash = strchr(path, '/');
	if (slash)
		snprintf(out, n, "%.*s/data/%s", (int)(slash - path), path, slash + 1);
	else
		snprintf(out, n, "%s/data/NAME", path);
}

static int field_missing(const struct vault_cfg *vc, cJSON *fields, cairn_err *err)
{
	char names[400] = "", loc[600];
	cJSON *f;
	cJSON_ArrayForEach(f, fields)
	{
		size_t used = strlen(names);
		if (used + strlen(f->string) + 8 >= sizeof names) {
			snprintf(names + used, sizeof names - used, "%s...", used ? ", " : "");
			break;
		}
		snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "", f->string);
	}
	where(vc, vc->path, loc, sizeof loc);
	if (!names[0])
		return cairn_err_set(err,
				     "the secret at vault path %s has no field \"%s\" (it has no "
				     "fields at all); write the key into it, e.g. vault kv put ... "
				     "%s=...",
				     loc, vc->field, vc->field);
	return cairn_err_set(err,
			     "the secret at vault path %s has no field \"%s\" (it has: %s); set "
			     "vault_field to the field that holds the key",
			     loc, vc->field, names);
}

/* The field's value, decoded per vault_format, into key. */
static int decode_field(const struct vault_cfg *vc, const char *val, unsigned char *key,
			size_t *len, cairn_err *err)
{
	size_t n = strlen(val);
	char why[160], loc[600];

	where(vc, vc->path, loc, sizeof loc);
	if (n == 0)
		return cairn_err_set(err,
				     "vault field \"%s\" of %s is empty; write the key into it",
				     vc->field, loc);
	if (vc->raw) {
		if (n > CAIRN_KEY_MAX)
			return cairn_err_set(err,
					     "vault field \"%s\" of %s is %zu bytes, too big for a "
					     "key (16, 24 or 32 bytes); is it base64? then set "
					     "vault_format=base64",
					     vc->field, loc, n);
		memcpy(key, val, n);
		*len = n;
		return 0;
	}
	switch (vault_b64_decode(val, n, key, CAIRN_KEY_MAX, len, why, sizeof why)) {
	case 0:
		add_secret(key, *len);
		return 0;
	case -2:
		explicit_bzero(key, CAIRN_KEY_MAX);
		return cairn_err_set(err,
				     "vault field \"%s\" of %s decodes to %zu bytes, too big for a "
				     "key (16, 24 or 32 bytes)",
				     vc->field, loc, *len);
	default:
		explicit_bzero(key, CAIRN_KEY_MAX);
		*len = 0;
		return cairn_err_set(
		    err,
		    "vault field \"%s\" of %s is not valid base64 (%s); store the "
		    "key base64-encoded, or set vault_format=raw if the field holds "
		    "the key's bytes as they are",
		    vc->field, loc, why);
	}
}

/* The answer to reading vc->path (r, freed by the caller): the field
 * decoded into key. Apart from the request so that tests/fuzz/fuzz_vault.c
 * reads answers without HTTP. */
static int key_answer(const struct vault_conn *c, const struct vault_cfg *vc, struct vault_resp *r,
		      double login_at, double lease, unsigned char *key, size_t *len,
		      cairn_err *err)
{
	char says[600], loc[600], alt[600];
	cJSON *data, *fields, *inner, *meta, *val;

	where(vc, vc->path, loc, sizeof loc);
	vault_says(r, says, sizeof says);
	switch (r->status) {
	case 200:
		break;
	case 503:
		sealed(c, r, err);
		return -1;
	case 401:
	case 403:
		if (vault_has_error(r, "invalid token") ||
		    (lease > 0 && now_s() - login_at >= lease)) {
			cairn_err_setc(
			    err, CAIRN_E_AUTH,
			    "vault rejected the token from the approle login as invalid "
			    "or expired before the key was read%s; raise the role's "
			    "token_ttl (it gave %.0fs) and check nothing revokes its tokens",
			    says, lease);
			return -1;
		}
		cairn_err_setc(err, CAIRN_E_PERMISSION,
			       "vault denied reading %s (HTTP %ld)%s; the approle's token policies "
			       "must grant \"read\" on that path",
			       loc, r->status, says);
		return -1;
	case 404: {
		cJSON *warn = cJSON_GetObjectItemCaseSensitive(r->json, "warnings");
		if (cJSON_GetArraySize(warn) > 0) {
			char first[200] = "";
			cJSON *w0 = cJSON_GetArrayItem(warn, 0);
			if (cJSON_IsString(w0)) {
				const char *dot = strstr(w0->valuestring, ". ");
				int wl = dot ? (int)(dot - w0->valuestring)
					     : (int)strlen(w0->valuestring);
				snprintf(first, sizeof first, " (vault: %.*s)", wl,
					 w0->valuestring);
			}
			v2_path(vc->path, alt, sizeof alt);
			cairn_err_setc(err, CAIRN_E_NOTFOUND,
				       "vault path %s is on a kv version 2 mount%s, whose secrets "
				       "are read under data/; set vault_path to \"%s\"",
				       loc, first, alt);
			return -1;
		}
		cairn_err_setc(err, CAIRN_E_NOTFOUND,
			       "no secret at vault path %s (HTTP 404)%s; check vault_path (a kv "
			       "version 2 path looks like secret/data/NAME) and that the secret "
			       "was written",
			       loc, says);
		return -1;
	}
	default:
		unexpected(c, "GET", vc->path, r, err);
		return -1;
	}
	if (!r->json) {
		vault_malformed(c, "GET", vc->path, r, NULL, err);
		return -1;
	}
	data = cJSON_GetObjectItemCaseSensitive(r->json, "data");
	if (!cJSON_IsObject(data)) {
		vault_malformed(c, "GET", vc->path, r, "data object", err);
		return -1;
	}
	/* KV v2 wraps the fields as data.data next to data.metadata. */
	inner = cJSON_GetObjectItemCaseSensitive(data, "data");
	meta = cJSON_GetObjectItemCaseSensitive(data, "metadata");
	fields = cJSON_IsObject(inner) && cJSON_IsObject(meta) ? inner : data;
	val = cJSON_GetObjectItemCaseSensitive(fields, vc->field);
	if (!val) {
		field_missing(vc, fields, err);
		return -1;
	}
	if (!cJSON_IsString(val)) {
		cairn_err_set(err,
			      "vault field \"%s\" of %s is not a string; store the key as a "
			      "string (base64, or raw with vault_format=raw)",
			      vc->field, loc);
		return -1;
	}
	add_secret(val->valuestring, strlen(val->valuestring));
	if (decode_field(vc, val->valuestring, key, len, err) < 0)
		return -1;
	if (host && host->log)
		host->log(CAIRN_LOG_DEBUG, "keys-vault", "got a %zu-byte key from field %s of %s",
			  *len, vc->field, loc);
	return 0;
}

/* Reads vc->path with token and decodes the field into key. */
static int read_key(const struct vault_conn *c, const struct vault_cfg *vc, const char *token,
		    double login_at, double lease, unsigned char *key, size_t *len, cairn_err *err)
{
	struct vault_resp r;
	char loc[600];
	int rc;

	where(vc, vc->path, loc, sizeof loc);
	if (host && host->log)
		host->log(CAIRN_LOG_DEBUG, "keys-vault", "reading vault path %s", loc);
	if (vault_request(c, "GET", vc->path, token, NULL, &r, err) < 0)
		return -1;
	rc = key_answer(c, vc, &r, login_at, lease, key, len, err);
	vault_resp_free(&r);
	return rc;
}

static int kv_get_key(const struct cairn_kv *cfg, unsigned char *key, size_t *len, cairn_err *err)
{
	struct vault_cfg vc;
	struct vault_conn c;
	char useragent[64];
	char *role_id = NULL, *secret_id = NULL, *token = NULL;
	double lease = 0, login_at;
	int rc = -1;

	*len = 0;
	if (parse_cfg(cfg, &vc, err) < 0)
		return -1;
	role_id = calloc(1, ID_MAX);
	secret_id = calloc(1, ID_MAX);
	if (!role_id || !secret_id) {
		cairn_err_set(err, "out of memory");
		goto out;
	}
	if (read_id_file("vault_roleid_file", vc.roleid_file, role_id, ID_MAX, err) < 0 ||
	    read_id_file("vault_secretid_file", vc.secretid_file, secret_id, ID_MAX, err) < 0)
		goto out;

	snprintf(useragent, sizeof useragent, "cairn/%s keys-vault",
		 host && host->version ? host->version : "0");
	c = (struct vault_conn){
	    .addr = vc.addr, .ns = vc.ns, .ca_file = vc.ca_file, .useragent = useragent};
	login_at = now_s();
	if (login(&c, &vc, role_id, secret_id, &token, &lease, err) < 0)
		goto out;
	rc = read_key(&c, &vc, token, login_at, lease, key, len, err);
out:
	if (rc < 0) {
		explicit_bzero(key, CAIRN_KEY_MAX);
		*len = 0;
	}
	if (token) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	if (role_id) {
		explicit_bzero(role_id, ID_MAX);
		free(role_id);
	}
	if (secret_id) {
		explicit_bzero(secret_id, ID_MAX);
		free(secret_id);
	}
	return rc;
}

static const char *const kv_config_keys[] = {
    "vault_addr",   "vault_roleid_file", "vault_secretid_file", "vault_path", "vault_field",
    "vault_format", "vault_namespace",	 "vault_ca_file",	NULL,
};

/* The flags the host offers for this provider (ABI 1.1); the defaults are
 * the ones cfg_or falls back to, so a host that does not fill them in gets
 * the same answer. */
static const struct cairn_config_key kv_config[] = {
    {"vault_addr", "http://localhost:8200", "Vault address", 0},
    {"vault_roleid_file", NULL, "file with the Vault AppRole role-id", 0},
    {"vault_secretid_file", NULL, "file with the Vault AppRole secret-id", 0},
    {"vault_path", "secret/data/cairn", "Vault secret path (KV v1 or v2)", 0},
    {"vault_field", "enc_key", "field of the secret that holds the key", 0},
    {"vault_format", "base64", "encoding of the key in Vault: base64 or raw", 0},
    {"vault_namespace", NULL, "Vault namespace (X-Vault-Namespace)", 0},
    {"vault_ca_file", NULL, "CA certificate file for an https Vault", 0},
    {NULL, NULL, NULL, 0},
};

static const struct cairn_keys_ops kv_ops = {
    .struct_size = sizeof(struct cairn_keys_ops),
    .config_keys = kv_config_keys,
    .config = kv_config,
    .selected = kv_selected,
    .get_key = kv_get_key,
};

static const struct cairn_plugin kv_plugin = {
    .abi_major = CAIRN_ABI_MAJOR,
    .abi_minor = CAIRN_ABI_MINOR,
    .struct_size = sizeof(struct cairn_plugin),
    .kind = CAIRN_PLUGIN_KEYS,
    .name = "keys-vault",
    .version = "1.0.0",
    .schemes = NULL,
    .init = kv_init,
    .ops = &kv_ops,
    .fini = kv_fini,
};

CAIRN_PLUGIN_DEFINE(kv_plugin)
