/* s3_errors.c — what went wrong, and whether to try again.
 *
 * Turns a transport failure (curl) or an S3 <Error> answer into one sentence
 * that names the endpoint, bucket or key involved and says what to do, and
 * decides which failures are worth a retry: 5xx, SlowDown, broken
 * connections and timeouts are; 4xx answers (bad keys, missing bucket,
 * access denied) are not. Secrets never appear: the access key is shown by
 * its first characters only. Each error carries a code: bad or expired
 * credentials CAIRN_E_AUTH, access denied CAIRN_E_PERMISSION, a missing key
 * or bucket CAIRN_E_NOTFOUND, whatever a retry may fix CAIRN_E_TRANSIENT. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "s3.h"

#define BACKOFF_BASE_MS 200
#define BACKOFF_CAP_MS 10000

void s3_parse_error(const char *body, size_t len, char **code, char **message)
{
	const char *inner, *inner_end;
	*code = *message = NULL;
	if (!body || !s3_xml_block(body, body + len, "Error", &inner, &inner_end))
		return;
	*code = s3_xml_text(inner, inner_end, "Code", NULL);
	*message = s3_xml_text(inner, inner_end, "Message", NULL);
}

int s3_retryable(CURLcode cc, long status, const char *code)
{
	switch (cc) {
	case CURLE_OK:
		break;
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
	if (code && (!strcmp(code, "SlowDown") || !strcmp(code, "InternalError") ||
		     !strcmp(code, "RequestTimeout") || !strcmp(code, "ServiceUnavailable")))
		return 1;
	return status >= 500 || status == 429;
}

void s3_backoff(int attempt)
{
	unsigned int r = 0;
	long ms = BACKOFF_BASE_MS;
	for (int i = 1; i < attempt && ms < BACKOFF_CAP_MS; i++)
		ms *= 2;
	if (ms > BACKOFF_CAP_MS)
		ms = BACKOFF_CAP_MS;
	if (getrandom(&r, sizeof r, 0) != sizeof r)
		r = (unsigned int)time(NULL);
	/* Half fixed, half random: spread out clients that failed together. */
	ms = ms / 2 + (long)(r % (unsigned long)(ms / 2 + 1));
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* "AKIA..." — enough of the access key to recognise it, never the whole. */
static void key_hint(const struct s3_loc *loc, char *out, size_t outsz)
{
	size_t n = loc->access_key ? strlen(loc->access_key) : 0;
	size_t show = n >= 8 ? 4 : n / 2;
	snprintf(out, outsz, "%.*s...", (int)show, loc->access_key ? loc->access_key : "");
}

/* The error code an S3 answer (no transport failure) deserves. */
static int answer_code(long status, const char *c)
{
	if (!strcmp(c, "SignatureDoesNotMatch") || !strcmp(c, "InvalidAccessKeyId") ||
	    !strcmp(c, "ExpiredToken") || !strcmp(c, "InvalidToken") ||
	    !strcmp(c, "TokenRefreshRequired") || !strcmp(c, "RequestTimeTooSkewed"))
		return CAIRN_E_AUTH;
	if (!strcmp(c, "AccessDenied") || (!*c && status == 403))
		return CAIRN_E_PERMISSION;
	if (!strcmp(c, "NoSuchKey") || !strcmp(c, "NoSuchBucket") || (!*c && status == 404))
		return CAIRN_E_NOTFOUND;
	if (s3_retryable(CURLE_OK, status, *c ? c : NULL))
		return CAIRN_E_TRANSIENT;
	return CAIRN_E_OTHER;
}

/* err := what ++ ": " ++ a sentence for an S3 error answer. */
static void describe_answer(const struct s3_loc *loc, const char *what, long status, const char *c,
			    const char *message, const char *key, cairn_err *err)
{
	const char *ep = loc->endpoint;
	if (!strcmp(c, "SignatureDoesNotMatch"))
		cairn_err_set(err,
			      "%s: the secret key is wrong for access key \"%s\" at %s: fix %s",
			      what, key, ep, loc->secret_src ? loc->secret_src : "the secret key");
	else if (!strcmp(c, "InvalidAccessKeyId"))
		cairn_err_set(err, "%s: access key \"%s\" is not known at %s: fix %s", what, key,
			      ep, loc->access_src ? loc->access_src : "the access key");
	else if (!strcmp(c, "NoSuchBucket"))
		cairn_err_set(err,
			      "%s: bucket \"%s\" does not exist at %s: create it (e.g. aws s3 mb "
			      "s3://%s) or fix the location",
			      what, loc->bucket, ep, loc->bucket);
	else if ((!strcmp(c, "AccessDenied") || (!*c && status == 403)) && loc->anonymous)
		cairn_err_set(
		    err,
		    "%s: access denied to bucket \"%s\" at %s without credentials: the "
		    "bucket is not public, pass accessKey and secretKey instead of anonymous",
		    what, loc->bucket, ep);
	else if (!strcmp(c, "AccessDenied") || (!*c && status == 403))
		cairn_err_set(err,
			      "%s: access denied to bucket \"%s\" at %s for access key \"%s\": "
			      "check the keys and grant them read, write and list on the bucket",
			      what, loc->bucket, ep, key);
	else if (!strcmp(c, "NoSuchKey") || (!*c && status == 404))
		cairn_err_set(err, "%s: no such object in bucket \"%s\" at %s", what, loc->bucket,
			      ep);
	else if (!strcmp(c, "RequestTimeTooSkewed"))
		cairn_err_set(
		    err,
		    "%s: this machine's clock differs from the clock of %s by more than 15 "
		    "minutes: fix the clock (e.g. with NTP)",
		    what, ep);
	else if (!strcmp(c, "ExpiredToken") || !strcmp(c, "InvalidToken") ||
		 !strcmp(c, "TokenRefreshRequired"))
		cairn_err_set(err,
			      "%s: the session token was refused by %s (%s): get fresh temporary "
			      "credentials",
			      what, ep, c);
	else if (!strcmp(c, "AuthorizationHeaderMalformed") || !strcmp(c, "PermanentRedirect") ||
		 !strcmp(c, "IncorrectEndpoint") || status == 301)
		cairn_err_set(
		    err,
		    "%s: bucket \"%s\" is not in region %s or not at %s (%s%s%.200s): set "
		    "region= in the location, or use the bucket's regional endpoint",
		    what, loc->bucket, loc->region, ep, *c ? c : "HTTP 301", message ? ": " : "",
		    message ? message : "");
	else if (!strcmp(c, "QuotaExceeded"))
		cairn_err_set(
		    err,
		    "%s: the quota of bucket \"%s\" or of its owner at %s is used up: free "
		    "space or raise the quota",
		    what, loc->bucket, ep);
	else if (!strcmp(c, "InvalidBucketName"))
		cairn_err_set(err,
			      "%s: \"%s\" is not a valid bucket name at %s: use 3 to 63 lower-case "
			      "letters, digits, dots and hyphens",
			      what, loc->bucket, ep);
	else if (*c)
		cairn_err_set(err, "%s: %s answered HTTP %ld %s%s%.300s", what, ep, status, c,
			      message && *message ? ": " : "", message ? message : "");
	else
		cairn_err_set(err, "%s: %s answered HTTP %ld", what, ep, status);
}

void s3_describe_failure(const struct s3_loc *loc, const char *what, CURLcode cc,
			 const char *curl_msg, long status, const char *code, const char *message,
			 cairn_err *err)
{
	char key[32];
	const char *ep = loc->endpoint;
	const char *detail = curl_msg && *curl_msg ? curl_msg : curl_easy_strerror(cc);
	key_hint(loc, key, sizeof key);

	if (cc != CURLE_OK) {
		switch (cc) {
		case CURLE_COULDNT_RESOLVE_HOST:
			cairn_err_set(
			    err,
			    "%s: cannot resolve the host of endpoint %s: check the host name in "
			    "the location",
			    what, ep);
			break;
		case CURLE_COULDNT_CONNECT:
			cairn_err_set(
			    err,
			    "%s: cannot connect to endpoint %s (%s): check that the S3 server "
			    "runs there and the port is right",
			    what, ep, detail);
			break;
		case CURLE_OPERATION_TIMEDOUT:
			cairn_err_set(
			    err,
			    "%s: endpoint %s did not answer in time (%s): check the network and "
			    "try again",
			    what, ep, detail);
			break;
		case CURLE_PEER_FAILED_VERIFICATION:
			cairn_err_set(
			    err,
			    "%s: the TLS certificate of endpoint %s is not trusted (%s): set "
			    "ca_file in section [%s] of the config file or AWS_CA_BUNDLE to the CA "
			    "that signed it",
			    what, ep, detail, loc->section);
			break;
		case CURLE_SSL_CACERT_BADFILE:
			cairn_err_set(
			    err,
			    "%s: cannot use the CA file \"%s\" (%s): set ca_file in section "
			    "[%s] of the config file or AWS_CA_BUNDLE to a PEM file",
			    what, loc->ca_file ? loc->ca_file : "(default)", detail, loc->section);
			break;
		case CURLE_SSL_CONNECT_ERROR:
			cairn_err_set(
			    err,
			    "%s: TLS handshake with endpoint %s failed (%s): if the server "
			    "speaks plain HTTP add ?secure=false to the location, otherwise set "
			    "ca_file in section [%s] of the config file",
			    what, ep, detail, loc->section);
			break;
		case CURLE_SEND_ERROR:
		case CURLE_RECV_ERROR:
		case CURLE_GOT_NOTHING:
		case CURLE_PARTIAL_FILE:
			cairn_err_set(err,
				      "%s: the connection to endpoint %s broke (%s): try again",
				      what, ep, detail);
			break;
		default:
			cairn_err_set(err, "%s: request to endpoint %s failed (%s)", what, ep,
				      detail);
			break;
		}
		if (err) /* timeouts and broken connections may pass */
			err->code = s3_retryable(cc, 0, NULL) ? CAIRN_E_TRANSIENT : CAIRN_E_OTHER;
		return;
	}

	const char *c = code ? code : "";
	describe_answer(loc, what, status, c, message, key, err);
	if (err)
		err->code = answer_code(status, c);
}
