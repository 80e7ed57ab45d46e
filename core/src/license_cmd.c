/* license_cmd.c — `cairn license`: signs a license (license.h) with an
 * Ed25519 private key. The vendor runs it with the key whose public half is
 * built into zero; tests and private deployments run it with their own key
 * and start zero with --license_public_key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "config.h"
#include "jsonfile.h"
#include "license.h"
#include "log.h"

static const struct cairn_flag lic_flags[] = {
    {"key", 0, NULL, "PEM Ed25519 private key to sign with", 0},
    {"user", 0, NULL, "the licensee", 0},
    {"expiry", 0, NULL, "YYYY-MM-DD (end of that day, UTC) or RFC 3339", 0},
    {"max_nodes", 0, "0", "alphas the cluster may have (0: no limit)", 0},
    {"out", 'o', NULL, "write the license here (default: standard output)", 0},
    {NULL, 0, NULL, NULL, 0},
};

int cairn_cmd_license(int argc, char **argv)
{
	struct cairn_opts o;
	cairn_err err = {0};
	struct cairn_license lic;
	EVP_PKEY *key = NULL;
	char *doc = NULL, when[32];
	int rc = -1;
	cairn_log_set_name("license");
	memset(&lic, 0, sizeof lic);
	int pr = cairn_opts_parse("license",
				  "--key FILE --user U --expiry DATE [--max_nodes N] [--out FILE]",
				  lic_flags, argc, argv, &o, &err);
	if (pr != 0) {
		rc = pr > 0 ? 0 : -1;
		goto out;
	}
	const char *keyf = cairn_opt(&o, "key"), *user = cairn_opt(&o, "user"),
		   *exp = cairn_opt(&o, "expiry"), *outf = cairn_opt(&o, "out");
	if (!keyf || !user || !exp) {
		cairn_err_set(&err, "cairn license needs --key FILE, --user U and --expiry DATE");
		goto out;
	}
	if (cairn_opt_u64(&o, "max_nodes", &lic.max_nodes, &err) < 0)
		goto out;
	if (strlen(user) > CAIRN_LICENSE_MAX_USER) {
		cairn_err_set(&err, "--user is longer than %d bytes", CAIRN_LICENSE_MAX_USER);
		goto out;
	}
	snprintf(lic.user, sizeof lic.user, "%s", user);
	lic.issued = (int64_t)time(NULL);
	if (cairn_license_parse_date(exp, &lic.expiry, &err) < 0)
		goto out;
	/* Zero refuses an expired license: signing one helps no one. */
	if (lic.expiry <= lic.issued) {
		cairn_license_format_time(lic.expiry, when, sizeof when);
		cairn_err_set(&err, "--expiry %s is in the past; give a later date", when);
		goto out;
	}
	if (!(key = cairn_license_private_key(keyf, &err)) ||
	    !(doc = cairn_license_sign(key, &lic, &err)))
		goto out;
	if (outf) {
		size_t n = strlen(doc);
		doc[n] = '\n'; /* the NUL becomes the final newline */
		int w = cairn_write_file_atomic(outf, doc, n + 1, &err);
		doc[n] = 0;
		if (w < 0)
			goto out;
	} else {
		printf("%s\n", doc);
	}
	cairn_license_format_time(lic.expiry, when, sizeof when);
	fprintf(stderr, "signed a license for \"%s\", %llu node(s)%s, valid until %s\n", lic.user,
		(unsigned long long)lic.max_nodes, lic.max_nodes ? "" : " (no limit)", when);
	rc = 0;
out:
	if (rc < 0)
		cairn_print_error(err.msg);
	EVP_PKEY_free(key);
	free(doc);
	cairn_opts_clear(&o);
	return rc < 0 ? 1 : 0;
}
