/* fuzz_azure_xml.c — what Azure Blob Storage answers, read as storage-azure
 * reads it (plugins/storage-azure/azure_client.c: az_xml_block, az_xml_text
 * and its entity decoder): a List Blobs page (each <Blob>'s Name and
 * Content-Length, then NextMarker, as st_list walks it) and an error body
 * (Code and Message, as describe reads them). */
#include <stdlib.h>
#include <string.h>

#include "azure.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The body as az_perform keeps it: NUL-terminated. */
	char *body = fuzz_str(data, size);
	const char *p, *end, *in, *in_end;
	if (!body)
		return 0;
	end = body + size;
	p = body;
	while ((p = az_xml_block(p, end, "Blob", &in, &in_end)) != NULL) {
		char *name = az_xml_text(in, in_end, "Name", NULL);
		char *len = az_xml_text(in, in_end, "Content-Length", NULL);
		if (name && len)
			(void)strtoull(len, NULL, 10);
		free(name);
		free(len);
	}
	free(az_xml_text(body, end, "NextMarker", NULL));
	free(az_xml_text(body, end, "Code", NULL));
	free(az_xml_text(body, end, "Message", NULL));
	free(body);
	return 0;
}
