/* fuzz_group_wire.c — the /internal/backup wire form between members
 * (backup/group.c): a group's answer as the coordinating alpha reads it
 * (its object, block index, commit times, predicates and drops), and a
 * request as the group's alpha reads it (destination, credentials that may
 * be sealed, compression). */
#include <cjson/cJSON.h>

#include "backup/backup.h"
#include "backup/group.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *j = cJSON_ParseWithLength((const char *)data, size);
	struct cairn_group_result r;
	struct cairn_backup_request req;
	cairn_err err = {0};
	char *opened[3] = {NULL, NULL, NULL};
	int comp;
	if (!j)
		return 0;
	memset(&r, 0, sizeof r);
	(void)cairn_group_result_from_json(j, &r, &err);
	fuzz_say("group result", err.msg);
	cairn_group_result_clear(&r);
	memset(&req, 0, sizeof req);
	cairn_backup_request_from_json(j, &req);
	(void)cairn_compression_parse(req.compression, &comp, &err);
	(void)cairn_backup_request_open(&req, "/internal/backup", opened, &err);
	for (int i = 0; i < 3; i++)
		free(opened[i]);
	cJSON_Delete(j);
	return 0;
}
