/* Location URIs: what parses, into what, and what is refused with a reason. */
#include "check.h"
#include "uri.h"

static void bare_absolute_path_is_file_scheme(void)
{
	cairn_err err = {0};
	struct cairn_uri *u = cairn_uri_parse("/var/backups/cairn", &err);
	CHECK(u != NULL);
	if (!u)
		return;
	CHECK_STR(u->scheme, "file");
	CHECK_STR(u->path, "/var/backups/cairn");
	CHECK_STR(u->host, "");
	CHECK(u->query[0].key == NULL);
	cairn_uri_free(u);
}

static void file_uri_with_three_slashes(void)
{
	cairn_err err = {0};
	struct cairn_uri *u = cairn_uri_parse("file:///mnt/nfs/b", &err);
	CHECK(u && !strcmp(u->scheme, "file") && !strcmp(u->path, "/mnt/nfs/b"));
	cairn_uri_free(u);
	CHECK(cairn_uri_parse("file://host/mnt", &err) == NULL);
	CHECK_CONTAINS(err.msg, "file:// URIs take no host");
}

static void minio_uri_with_port_and_query(void)
{
	cairn_err err = {0};
	struct cairn_uri *u = cairn_uri_parse(
	    "MinIO://127.0.0.1:9000/bucket/pre%20fix?secure=false&region=eu-west-1", &err);
	CHECK(u != NULL);
	if (!u)
		return;
	CHECK_STR(u->scheme, "minio");
	CHECK_STR(u->host, "127.0.0.1");
	CHECK(u->port == 9000);
	CHECK_STR(u->path, "/bucket/pre fix");
	CHECK_STR(cairn_kv_get(u->query, "secure"), "false");
	CHECK_STR(cairn_kv_get(u->query, "region"), "eu-west-1");
	cairn_uri_free(u);
}

static void s3_default_host_form(void)
{
	cairn_err err = {0};
	struct cairn_uri *u = cairn_uri_parse("s3:///bucket", &err);
	CHECK(u && !strcmp(u->host, "") && !strcmp(u->path, "/bucket") && u->port == 0);
	cairn_uri_free(u);
	u = cairn_uri_parse("s3://[::1]:7480/b", &err);
	CHECK(u && !strcmp(u->host, "::1") && u->port == 7480);
	cairn_uri_free(u);
}

static void refuses_bad_locations_with_reasons(void)
{
	cairn_err err = {0};
	CHECK(cairn_uri_parse("", &err) == NULL);
	CHECK_CONTAINS(err.msg, "empty location");
	CHECK(cairn_uri_parse("backups/here", &err) == NULL);
	CHECK_CONTAINS(err.msg, "absolute path");
	CHECK(cairn_uri_parse("minio://h:99999/b", &err) == NULL);
	CHECK_CONTAINS(err.msg, "port must be a number");
	CHECK(cairn_uri_parse("minio://h:/b", &err) == NULL);
	CHECK_CONTAINS(err.msg, "empty port");
	CHECK(cairn_uri_parse("s3://AKIA:hunter22@host/b", &err) == NULL);
	CHECK_CONTAINS(err.msg, "credentials in the URI are not accepted");
	CHECK(strstr(err.msg, "hunter22") == NULL);
	CHECK(cairn_uri_parse("s3://host/b%zz", &err) == NULL);
	CHECK_CONTAINS(err.msg, "percent-escape");
	CHECK(cairn_uri_parse("s3://ho st/b", &err) == NULL);
	CHECK_CONTAINS(err.msg, "bad character");
	CHECK(cairn_uri_parse("s3://host/b#frag", &err) == NULL);
	CHECK_CONTAINS(err.msg, "fragments");
	CHECK(cairn_uri_parse("s3://host/b%00x", &err) == NULL);
}

/* Bracketed (IPv6) hosts, '+' in a query value, and the remaining refusals:
 * an unterminated or trailed bracket, port 0, a file:// URI with a host or
 * without a directory. */
static void ipv6_hosts_query_spaces_and_more_refusals(void)
{
	cairn_err err = {0};
	struct cairn_uri *u = cairn_uri_parse("minio://[::1]:9000/b?prefix=a+b", &err);
	CHECK(u != NULL);
	if (u) {
		CHECK(u->port == 9000);
		CHECK_STR(u->path, "/b");
		CHECK_STR(cairn_kv_get(u->query, "prefix"), "a b");
		cairn_uri_free(u);
	}
	CHECK(cairn_uri_parse("minio://[::1:9000/b", &err) == NULL);
	CHECK_CONTAINS(err.msg, "unterminated [ in host");
	CHECK(cairn_uri_parse("minio://[::1]x/b", &err) == NULL);
	CHECK_CONTAINS(err.msg, "junk after ]");
	CHECK(cairn_uri_parse("minio://h:0/b", &err) == NULL);
	CHECK_CONTAINS(err.msg, "port must be a number 1-65535");
	CHECK(cairn_uri_parse("file://host/x", &err) == NULL);
	CHECK_CONTAINS(err.msg, "file:// URIs take no host");
	CHECK(cairn_uri_parse("file://", &err) == NULL);
	CHECK_CONTAINS(err.msg, "no directory after file://");
}

int main(void)
{
	ipv6_hosts_query_spaces_and_more_refusals();
	bare_absolute_path_is_file_scheme();
	file_uri_with_three_slashes();
	minio_uri_with_port_and_query();
	s3_default_host_form();
	refuses_bad_locations_with_reasons();
	CHECK_DONE();
}
