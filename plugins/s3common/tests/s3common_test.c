/* s3common_test.c — the S3 client's pure parts: SigV4 against AWS's
 * published examples, canonical query and path encoding, the XML scanner,
 * region from host names, the multipart part-size schedule, how a location
 * URI becomes an endpoint (path-style or virtual-host, region, TLS), the
 * order of credential sources, and the error sentences. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "s3.h"

#define EXAMPLE_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

static void test_sigv4_get_object(void)
{
	/* "Example: GET Object" of the S3 SigV4 documentation. */
	struct s3_header h[] = {
	    {"host", "examplebucket.s3.amazonaws.com"},
	    {"range", "bytes=0-9"},
	    {"x-amz-content-sha256", S3_EMPTY_SHA256},
	    {"x-amz-date", "20130524T000000Z"},
	};
	struct s3_sign_input in = {
	    "GET",	     "/test.txt",	 "",	      h,    4,
	    S3_EMPTY_SHA256, "20130524T000000Z", "us-east-1", "s3", "AKIAIOSFODNN7EXAMPLE",
	    EXAMPLE_SECRET};
	char auth[512];
	CHECK(s3_sigv4_authorization(&in, auth, sizeof auth) == 0);
	CHECK_STR(auth,
		  "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
		  "aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
		  "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

static void test_sigv4_list_objects(void)
{
	/* "Example: GET Bucket (List Objects)": the query is sorted by us. */
	struct s3_param q[] = {{"prefix", "J"}, {"max-keys", "2"}};
	char *cq = s3_canonical_query(q, 2);
	CHECK_STR(cq, "max-keys=2&prefix=J");
	struct s3_header h[] = {
	    {"host", "examplebucket.s3.amazonaws.com"},
	    {"x-amz-content-sha256", S3_EMPTY_SHA256},
	    {"x-amz-date", "20130524T000000Z"},
	};
	struct s3_sign_input in = {"GET",
				   "/",
				   cq,
				   h,
				   3,
				   S3_EMPTY_SHA256,
				   "20130524T000000Z",
				   "us-east-1",
				   "s3",
				   "AKIAIOSFODNN7EXAMPLE",
				   EXAMPLE_SECRET};
	char auth[512];
	CHECK(s3_sigv4_authorization(&in, auth, sizeof auth) == 0);
	CHECK_CONTAINS(
	    auth, "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
	free(cq);
}

static void test_encoding(void)
{
	struct s3_param q[] = {{"uploads", ""}};
	char *s = s3_canonical_query(q, 1);
	CHECK_STR(s, "uploads=");
	free(s);
	struct s3_param q2[] = {
	    {"prefix", "a b/c"}, {"list-type", "2"}, {"continuation-token", "1/x+y=="}};
	s = s3_canonical_query(q2, 3);
	CHECK_STR(s, "continuation-token=1%2Fx%2By%3D%3D&list-type=2&prefix=a%20b%2Fc");
	free(s);
	s = s3_uri_encode("dir/file name~(1)*.txt", 1);
	CHECK_STR(s, "dir/file%20name~%281%29%2A.txt");
	free(s);
	s = s3_uri_encode("a/\xc3\xa9", 0);
	CHECK_STR(s, "a%2F%C3%A9");
	free(s);
	char hex[65];
	s3_sha256_hex("", 0, hex);
	CHECK_STR(hex, S3_EMPTY_SHA256);
}

static void test_xml(void)
{
	const char *err = "<?xml version=\"1.0\"?><Error><Code>NoSuchBucket</Code>"
			  "<Message>The specified bucket does not "
			  "exist</Message><BucketName>x</BucketName></Error>";
	char *code, *msg;
	s3_parse_error(err, strlen(err), &code, &msg);
	CHECK_STR(code, "NoSuchBucket");
	CHECK_STR(msg, "The specified bucket does not exist");
	free(code);
	free(msg);
	s3_parse_error("<html>bad gateway</html>", 24, &code, &msg);
	CHECK(code == NULL && msg == NULL);

	const char *list =
	    "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
	    "<Name>b</Name><Contents><Key>a&amp;b &lt;c&gt; "
	    "&#233;&#x41;</Key><Size>3</Size></Contents>"
	    "<Contents><Key>z</Key><Size>0</Size></Contents><IsTruncated>false</IsTruncated>"
	    "<Prefix/></ListBucketResult>";
	const char *end = list + strlen(list), *inner, *inner_end;
	const char *p = s3_xml_block(list, end, "Contents", &inner, &inner_end);
	CHECK(p != NULL);
	char *key = s3_xml_text(inner, inner_end, "Key", NULL);
	CHECK_STR(key, "a&b <c> \xc3\xa9"
		       "A");
	free(key);
	p = s3_xml_block(p, end, "Contents", &inner, &inner_end);
	key = s3_xml_text(inner, inner_end, "Key", NULL);
	CHECK_STR(key, "z");
	free(key);
	CHECK(s3_xml_block(p, end, "Contents", &inner, &inner_end) == NULL);
	char *prefix = s3_xml_text(list, end, "Prefix", NULL);
	CHECK_STR(prefix, "");
	free(prefix);
	/* <Name> must not match <NameX> or a prefix of another tag. */
	char *name;
	const char *t = "<NameX>no</NameX><Name>yes</Name>";
	name = s3_xml_text(t, t + strlen(t), "Name", NULL);
	CHECK_STR(name, "yes");
	free(name);
	char *esc = s3_xml_escape("\"e<t>&'");
	CHECK_STR(esc, "&quot;e&lt;t&gt;&amp;&apos;");
	free(esc);
}

static void test_region(void)
{
	struct {
		const char *host, *region;
	} cases[] = {
	    {"s3.us-west-2.amazonaws.com", "us-west-2"},
	    {"s3-eu-west-1.amazonaws.com", "eu-west-1"},
	    {"s3.dualstack.ap-south-1.amazonaws.com", "ap-south-1"},
	    {"bucket.s3.eu-central-1.amazonaws.com", "eu-central-1"},
	    {"s3.cn-north-1.amazonaws.com.cn", "cn-north-1"},
	    {"s3.amazonaws.com", NULL},
	    {"s3-external-1.amazonaws.com", NULL},
	    {"storage.googleapis.com", NULL},
	    {"127.0.0.1", NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *r = s3_region_from_host(cases[i].host);
		if (cases[i].region)
			CHECK_STR(r, cases[i].region);
		else
			CHECK(r == NULL);
		free(r);
	}
}

static void test_part_sizes(void)
{
	unsigned long long total = 0;
	size_t prev = 0, max = 0;
	for (int n = 1; n <= S3_MAX_PARTS; n++) {
		size_t s = s3_part_size(n);
		CHECK(s >= S3_MIN_PART);
		CHECK(s >= prev);
		prev = s;
		if (s > max)
			max = s;
		total += s;
	}
	CHECK(s3_part_size(1) == S3_MIN_PART);
	CHECK(max <= S3_MAX_PART);
	/* 10,000 parts hold multi-terabyte objects... */
	CHECK(total >= 3ULL << 40);
	/* ...while a 64 MiB backup still uploads as many parts in parallel. */
	CHECK(s3_part_size(13) == S3_MIN_PART);
}

/* A host whose config is a small table and which records secrets. */
static const char *ini[][3] = {
    {NULL, NULL, NULL}, {NULL, NULL, NULL}, {NULL, NULL, NULL}, {NULL, NULL, NULL}};
static char secrets[8][128];
static int nsecrets;

static const char *fake_config(const char *section, const char *key)
{
	for (size_t i = 0; i < sizeof ini / sizeof ini[0]; i++)
		if (ini[i][0] && !strcmp(ini[i][0], section) && !strcmp(ini[i][1], key))
			return ini[i][2];
	return NULL;
}

static void fake_secret(const void *s, size_t len)
{
	if (nsecrets < 8 && len < 128) {
		memcpy(secrets[nsecrets], s, len);
		secrets[nsecrets++][len] = 0;
	}
}

static const struct cairn_host fake_host = {
    .abi_major = CAIRN_ABI_MAJOR,
    .abi_minor = CAIRN_ABI_MINOR,
    .struct_size = sizeof(struct cairn_host),
    .version = "test",
    .add_secret = fake_secret,
    .config_get = fake_config,
};

static int has_secret(const char *s)
{
	for (int i = 0; i < nsecrets; i++)
		if (!strcmp(secrets[i], s))
			return 1;
	return 0;
}

static void clear_env(void)
{
	const char *names[] = {"AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY",	 "AWS_SECRET_ACCESS_KEY",
			       "AWS_SECRET_KEY",    "AWS_SESSION_TOKEN", "MINIO_ACCESS_KEY",
			       "MINIO_SECRET_KEY",  "AWS_CA_BUNDLE"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		unsetenv(names[i]);
	memset(ini, 0, sizeof ini);
}

static struct s3_loc *open_loc(enum s3_flavor f, const char *scheme, const char *host, int port,
			       const char *path, const struct cairn_kv *query,
			       const struct cairn_kv *params, cairn_err *err)
{
	struct cairn_uri u = {"(test)", scheme, host, port, path, query};
	struct s3_loc *loc = NULL;
	err->msg[0] = 0;
	if (s3_loc_open(f, &u, params, &loc, err))
		return NULL;
	return loc;
}

static void test_addressing(void)
{
	cairn_err err;
	struct s3_loc *l;
	clear_env();
	setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);

	/* s3:///bucket: the default host, virtual-host style, us-east-1, HTTPS. */
	l = open_loc(S3_FLAVOR_AWS, "s3", "", 0, "/bkt", NULL, NULL, &err);
	CHECK(l != NULL);
	if (l) {
		CHECK_STR(l->endpoint, "s3.amazonaws.com");
		CHECK_STR(l->host_header, "bkt.s3.amazonaws.com");
		CHECK_STR(l->base_url, "https://bkt.s3.amazonaws.com");
		CHECK_STR(l->region, "us-east-1");
		CHECK_STR(l->prefix, "");
		CHECK_STR(l->display, "s3://s3.amazonaws.com/bkt");
		CHECK(l->virtual_host && l->secure);
	}
	s3_loc_free(l);

	/* A regional host names the region; the prefix keeps one '/'. */
	l = open_loc(S3_FLAVOR_AWS, "s3", "s3.us-west-2.amazonaws.com", 0, "/bkt/a/b/", NULL, NULL,
		     &err);
	CHECK(l != NULL);
	if (l) {
		CHECK_STR(l->region, "us-west-2");
		CHECK_STR(l->prefix, "a/b/");
		CHECK_STR(l->host_header, "bkt.s3.us-west-2.amazonaws.com");
		CHECK_STR(l->display, "s3://s3.us-west-2.amazonaws.com/bkt/a/b");
	}
	s3_loc_free(l);

	/* A dotted bucket would not match AWS's wildcard certificate: path-style. */
	l = open_loc(S3_FLAVOR_AWS, "s3", "s3.us-west-2.amazonaws.com", 0, "/my.bucket", NULL, NULL,
		     &err);
	CHECK(l && !l->virtual_host);
	if (l)
		CHECK_STR(l->base_url, "https://s3.us-west-2.amazonaws.com");
	s3_loc_free(l);

	/* A custom endpoint: path-style; secure=false and region= apply. */
	struct cairn_kv q[] = {{"secure", "false"}, {"region", "eu-west-1"}, {NULL, NULL}};
	l = open_loc(S3_FLAVOR_AWS, "s3", "127.0.0.1", 7480, "/bkt/x", q, NULL, &err);
	CHECK(l != NULL);
	if (l) {
		CHECK_STR(l->base_url, "http://127.0.0.1:7480");
		CHECK_STR(l->host_header, "127.0.0.1:7480");
		CHECK_STR(l->region, "eu-west-1");
		CHECK_STR(l->prefix, "x/");
		CHECK(!l->virtual_host && !l->secure);
	}
	s3_loc_free(l);

	/* The ini file's region fills in for hosts that name none, never over
	 * an AWS host's own. */
	ini[0][0] = "s3", ini[0][1] = "region", ini[0][2] = "eu-north-1";
	l = open_loc(S3_FLAVOR_AWS, "s3", "storage.example.com", 0, "/bkt", NULL, NULL, &err);
	CHECK(l && !strcmp(l->region, "eu-north-1"));
	s3_loc_free(l);
	l = open_loc(S3_FLAVOR_AWS, "s3", "s3.us-west-2.amazonaws.com", 0, "/bkt", NULL, NULL,
		     &err);
	CHECK(l && !strcmp(l->region, "us-west-2"));
	s3_loc_free(l);
	ini[0][0] = NULL;

	/* MinIO is always path-style, even on an AWS-looking host. */
	setenv("MINIO_ACCESS_KEY", "minioak", 1);
	setenv("MINIO_SECRET_KEY", "miniosk", 1);
	l = open_loc(S3_FLAVOR_MINIO, "minio", "s3.us-west-2.amazonaws.com", 0, "/bkt", NULL, NULL,
		     &err);
	CHECK(l && !l->virtual_host);
	s3_loc_free(l);
	l = open_loc(S3_FLAVOR_MINIO, "minio", "::1", 9000, "/bkt", NULL, NULL, &err);
	CHECK(l != NULL);
	if (l)
		CHECK_STR(l->base_url, "https://[::1]:9000");
	s3_loc_free(l);

	/* Mistakes are named. */
	CHECK(!open_loc(S3_FLAVOR_MINIO, "minio", "", 0, "/bkt", NULL, NULL, &err));
	CHECK_CONTAINS(err.msg, "names no host");
	CHECK(!open_loc(S3_FLAVOR_AWS, "s3", "h", 0, "/", NULL, NULL, &err));
	CHECK_CONTAINS(err.msg, "names no bucket");
	struct cairn_kv typo[] = {{"secur", "false"}, {NULL, NULL}};
	CHECK(!open_loc(S3_FLAVOR_AWS, "s3", "h", 0, "/b", typo, NULL, &err));
	CHECK_CONTAINS(err.msg, "unknown parameter \"secur\"");
	struct cairn_kv badsec[] = {{"secure", "maybe"}, {NULL, NULL}};
	CHECK(!open_loc(S3_FLAVOR_AWS, "s3", "h", 0, "/b", badsec, NULL, &err));
	CHECK_CONTAINS(err.msg, "secure");
	setenv("AWS_CA_BUNDLE", "/nonexistent/ca.pem", 1);
	CHECK(!open_loc(S3_FLAVOR_AWS, "s3", "h", 0, "/b", NULL, NULL, &err));
	CHECK_CONTAINS(err.msg, "cannot read the CA file \"/nonexistent/ca.pem\"");
	clear_env();
}

static void test_credentials(void)
{
	cairn_err err;
	struct s3_loc *l;
	clear_env();
	nsecrets = 0;
	ini[0][0] = "s3", ini[0][1] = "access_key", ini[0][2] = "iniak";
	ini[1][0] = "s3", ini[1][1] = "secret_key", ini[1][2] = "inisk";
	ini[2][0] = "minio", ini[2][1] = "access_key", ini[2][2] = "mini-ak";
	ini[3][0] = "minio", ini[3][1] = "secret_key", ini[3][2] = "mini-sk";

	/* Only the ini file: it is used. */
	l = open_loc(S3_FLAVOR_AWS, "s3", "h", 0, "/b", NULL, NULL, &err);
	CHECK(l != NULL);
	if (l) {
		CHECK_STR(l->access_key, "iniak");
		CHECK_STR(l->secret_key, "inisk");
		CHECK_CONTAINS(l->secret_src, "[s3]");
	}
	s3_loc_free(l);
	CHECK(has_secret("inisk"));

	/* The environment beats the ini file; AWS_ACCESS_KEY/AWS_SECRET_KEY work too. */
	setenv("AWS_ACCESS_KEY", "envak", 1);
	setenv("AWS_SECRET_KEY", "envsk", 1);
	setenv("AWS_SESSION_TOKEN", "envtok", 1);
	l = open_loc(S3_FLAVOR_AWS, "s3", "h", 0, "/b", NULL, NULL, &err);
	CHECK(l != NULL);
	if (l) {
		CHECK_STR(l->access_key, "envak");
		CHECK_STR(l->secret_key, "envsk");
		CHECK_STR(l->session_token, "envtok");
		CHECK_STR(l->secret_src, "AWS_SECRET_KEY");
	}
	s3_loc_free(l);
	CHECK(has_secret("envsk") && has_secret("envtok"));

	/* Request parameters beat both, and bring their own (or no) token. */
	struct cairn_kv p[] = {{"accessKey", "reqak"}, {"secretKey", "reqsk"}, {NULL, NULL}};
	l = open_loc(S3_FLAVOR_AWS, "s3", "h", 0, "/b", NULL, p, &err);
	CHECK(l != NULL);
	if (l) {
		CHECK_STR(l->access_key, "reqak");
		CHECK_STR(l->secret_key, "reqsk");
		CHECK(l->session_token == NULL);
	}
	s3_loc_free(l);
	struct cairn_kv pt[] = {{"accessKey", "reqak"},
				{"secretKey", "reqsk"},
				{"sessionToken", "reqtok"},
				{NULL, NULL}};
	l = open_loc(S3_FLAVOR_AWS, "s3", "h", 0, "/b", NULL, pt, &err);
	CHECK(l && l->session_token && !strcmp(l->session_token, "reqtok"));
	s3_loc_free(l);
	CHECK(has_secret("reqsk") && has_secret("reqtok"));

	/* minio:// reads MINIO_*, never AWS_*, and its own ini section. */
	l = open_loc(S3_FLAVOR_MINIO, "minio", "h", 9000, "/b", NULL, NULL, &err);
	CHECK(l && !strcmp(l->access_key, "mini-ak") && !l->session_token);
	s3_loc_free(l);
	setenv("MINIO_ACCESS_KEY", "menvak", 1);
	setenv("MINIO_SECRET_KEY", "menvsk", 1);
	l = open_loc(S3_FLAVOR_MINIO, "minio", "h", 9000, "/b", NULL, NULL, &err);
	CHECK(l && !strcmp(l->access_key, "menvak") && !strcmp(l->secret_key, "menvsk"));
	s3_loc_free(l);

	/* anonymous sends no credentials at all. */
	struct cairn_kv anon[] = {{"anonymous", "true"}, {NULL, NULL}};
	l = open_loc(S3_FLAVOR_AWS, "s3", "h", 0, "/b", NULL, anon, &err);
	CHECK(l && l->anonymous && !l->access_key && !l->secret_key);
	s3_loc_free(l);

	/* Half a pair is an error that names the missing half. */
	struct cairn_kv half[] = {{"accessKey", "reqak"}, {NULL, NULL}};
	CHECK(!open_loc(S3_FLAVOR_AWS, "s3", "h", 0, "/b", NULL, half, &err));
	CHECK_CONTAINS(err.msg, "secretKey");
	clear_env();
	setenv("AWS_ACCESS_KEY_ID", "x", 1);
	CHECK(!open_loc(S3_FLAVOR_AWS, "s3", "h", 0, "/b", NULL, NULL, &err));
	CHECK_CONTAINS(err.msg, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
	clear_env();
	CHECK(!open_loc(S3_FLAVOR_AWS, "s3", "h", 0, "/b", NULL, NULL, &err));
	CHECK_CONTAINS(err.msg, "no credentials for s3://h/b");
}

static void test_error_sentences(void)
{
	cairn_err err;
	clear_env();
	setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", 1);
	setenv("AWS_SECRET_ACCESS_KEY", EXAMPLE_SECRET, 1);
	struct s3_loc *l =
	    open_loc(S3_FLAVOR_AWS, "s3", "127.0.0.1", 7480, "/bkt", NULL, NULL, &err);
	CHECK(l != NULL);
	if (!l)
		return;
	s3_describe_failure(l, "cannot list s3://x", CURLE_OK, NULL, 403, "SignatureDoesNotMatch",
			    "sig", &err);
	CHECK_CONTAINS(err.msg,
		       "the secret key is wrong for access key \"AKIA...\" at 127.0.0.1:7480");
	CHECK_CONTAINS(err.msg, "AWS_SECRET_ACCESS_KEY");
	CHECK(!strstr(err.msg, "AKIAIOSFODNN7EXAMPLE") && !strstr(err.msg, EXAMPLE_SECRET));
	s3_describe_failure(l, "w", CURLE_OK, NULL, 404, "NoSuchBucket", NULL, &err);
	CHECK_CONTAINS(err.msg, "bucket \"bkt\" does not exist at 127.0.0.1:7480");
	s3_describe_failure(l, "w", CURLE_OK, NULL, 403, "InvalidAccessKeyId", NULL, &err);
	CHECK_CONTAINS(err.msg, "access key \"AKIA...\" is not known");
	s3_describe_failure(l, "w", CURLE_COULDNT_RESOLVE_HOST, "x", 0, NULL, NULL, &err);
	CHECK_CONTAINS(err.msg, "cannot resolve the host of endpoint 127.0.0.1:7480");
	s3_describe_failure(l, "w", CURLE_PEER_FAILED_VERIFICATION, "x", 0, NULL, NULL, &err);
	CHECK_CONTAINS(err.msg, "ca_file");
	/* Retry what may pass next time, never a refusal. */
	CHECK(s3_retryable(CURLE_OK, 503, "SlowDown"));
	CHECK(s3_retryable(CURLE_OK, 500, NULL));
	CHECK(s3_retryable(CURLE_RECV_ERROR, 0, NULL));
	CHECK(s3_retryable(CURLE_OPERATION_TIMEDOUT, 0, NULL));
	CHECK(!s3_retryable(CURLE_OK, 403, "SignatureDoesNotMatch"));
	CHECK(!s3_retryable(CURLE_OK, 404, "NoSuchBucket"));
	CHECK(!s3_retryable(CURLE_COULDNT_RESOLVE_HOST, 0, NULL));
	CHECK(!s3_retryable(CURLE_PEER_FAILED_VERIFICATION, 0, NULL));
	s3_loc_free(l);
	clear_env();
}

int main(void)
{
	cairn_err err;
	if (s3_init(&fake_host, "s3common_test", &err))
		return 1;
	test_sigv4_get_object();
	test_sigv4_list_objects();
	test_encoding();
	test_xml();
	test_region();
	test_part_sizes();
	test_addressing();
	test_credentials();
	test_error_sentences();
	CHECK_DONE();
}
