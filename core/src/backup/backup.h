/* backup.h — an online backup of the whole cluster, asked of one alpha.
 *
 * The alpha that receives the request coordinates (backup/coordinator.c): it
 * takes the cluster's backup lock at zero, plans the backup (full or
 * incremental, read_ts, folder), writes its own group's object and asks one
 * alpha of every other group to write theirs (backup/group.c, over POST
 * /internal/backup), in parallel, then writes the one manifest that names
 * them all. The backup code knows nothing of the alpha: it reads from a
 * source (the group's store, the key, how to reach zero and the other alphas). */
#ifndef CAIRN_BACKUP_H
#define CAIRN_BACKUP_H
#include <cairn/plugin.h>
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

struct cairn_db;

/* One backup request; a field not given is NULL (strings) or 0 (flags). */
struct cairn_backup_request {
	const char *destination;
	const char *access_key;
	const char *secret_key;
	const char *session_token;
	int anonymous;
	int force_full;
	const char *compression; /* "gzip" (NULL: the default) or "zstd" */
};

/* A request from its JSON form: the GraphQL input's names (destination,
 * accessKey, secretKey, sessionToken, anonymous, forceFull, compression). The strings
 * point into j. */
void cairn_backup_request_from_json(const cJSON *j, struct cairn_backup_request *req);

/* What a backup reads from: one group's store and its cluster. */
struct cairn_backup_source {
	struct cairn_db *db;
	uint32_t group;
	const unsigned char *key; /* the encryption key, NULL/0: none */
	size_t key_len;
	const char *zero;	/* zero's address, "127.0.0.1:6080" */
	uint64_t member_id;	/* this alpha at zero: the backup lock's holder */
	const char *auth_token; /* sent to the other groups' alphas, may be NULL */
	/* May be NULL: as each group's object is complete, its stored size and
	 * 1 are added to these (relaxed atomics): a running task's progress. */
	uint64_t *bytes_done, *objects_done;
};

/* What a completed backup was. */
struct cairn_backup_done {
	char dir[64]; /* the backup's folder, "cairn.20261130.101500.000" */
	uint64_t read_ts;
	uint64_t bytes;	  /* the objects' stored bytes, every group's */
	uint64_t objects; /* the objects written, one per group */
};

/* The read timestamp of a cluster-wide read (a backup's, an export's):
 * zero's watermark, once zero can prove it (a restarted zero waits to hear
 * from every alpha; a commit stalled in flight fails it, naming whose).
 * Fills *st with zero's state, for the groups and their alphas (the
 * caller clears it). */
struct cairn_zero_state;
int cairn_backup_read_ts(const struct cairn_backup_source *src, struct cairn_zero_state *st,
			 uint64_t *read_ts, cairn_err *err);

/* Runs a backup: full, or incremental on the newest complete backup at the
 * destination. Returns 0 when the manifest is durable; -1 with a message a
 * person can act on (and no manifest written). */
int cairn_backup_run(const struct cairn_backup_source *src, const struct cairn_backup_request *req,
		     struct cairn_backup_done *done, cairn_err *err);
#endif
