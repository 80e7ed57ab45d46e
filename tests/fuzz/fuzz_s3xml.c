/* fuzz_s3xml.c — what an S3 server answers (plugins/s3common), read as the
 * client reads it: a ListObjectsV2 page (s3_list_page), an <Error> body
 * (s3_parse_error, also what a CompleteMultipartUpload answer is checked
 * for), the UploadId of an InitiateMultipartUpload answer, the elements of
 * s3_xml.c on their own, and the same bytes as response header lines
 * (s3_on_header: ETag, Content-Range, Content-Length). */
#include "fuzz.h"
#include "s3.h"

static int on_key(void *ctx, const char *name, uint64_t size, cairn_err *err)
{
	(void)err;
	size_t *n = ctx;
	(*n)++;
	return name[0] == 0 || size == 1 ? 1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An answer body as the client keeps it: NUL-terminated. */
	char *body = fuzz_str(data, size);
	const char *end, *inner, *inner_end;
	char *token = NULL, *code = NULL, *message = NULL;
	cairn_err err = {0};
	size_t keys = 0;
	if (!body)
		return 0;
	end = body + size;
	(void)s3_list_page("", body, size, on_key, &keys, &token, "cannot list", &err);
	free(token);
	token = NULL;
	(void)s3_list_page("pre/", body, size, on_key, &keys, &token, "cannot list", &err);
	free(token);
	s3_parse_error(body, size, &code, &message);
	free(code);
	free(message);
	free(s3_xml_text(body, end, "UploadId", NULL));
	if (s3_xml_block(body, end, "CompleteMultipartUploadResult", &inner, &inner_end))
		free(s3_xml_text(inner, inner_end, "ETag", NULL));
	/* Each line as a header line. */
	struct s3_resp r;
	memset(&r, 0, sizeof r);
	for (char *p = body; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		/* curl's lines are not NUL-terminated: each alone in its buffer. */
		char *line = malloc(len ? len : 1);
		if (line) {
			memcpy(line, p, len);
			(void)s3_on_header(line, 1, len, &r);
			free(line);
		}
		p += len;
	}
	free(body);
	return 0;
}
