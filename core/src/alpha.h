/* alpha.h — the state of a running `cairn alpha` that the backup code uses. */
#ifndef CAIRN_ALPHA_H
#define CAIRN_ALPHA_H
#include <cairn/keys.h>
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdint.h>

#include "config.h"
#include "store/db.h"

struct cairn_alpha {
	struct cairn_opts *opts;
	struct cairn_db *db;
	char *zero;      /* "127.0.0.1:6080" */
	char *http_addr; /* what we serve on, as told to zero */
	uint32_t group;
	uint64_t member_id;
	pthread_mutex_t write_mu; /* one commit at a time: ts order = apply order */
	pthread_mutex_t backup_mu; /* one backup at a time */
	int backup_running;
	unsigned char key[CAIRN_KEY_MAX]; /* encryption key, if any */
	size_t key_len;
	time_t started;
	/* counters for /metrics */
	uint64_t n_mutations, n_mutation_errors, n_backups, n_backup_failures;
	uint64_t last_backup_read_ts;
	pthread_mutex_t stats_mu;
};

/* GET http://zero/<path_and_query>; returns parsed JSON or NULL with err. */
cJSON *cairn_zero_call(const char *zero, const char *method, const char *path, const char *body,
		       cairn_err *err);
/* Waits (bounded) until zero's watermark reaches ts. */
int cairn_zero_wait_watermark(const char *zero, uint64_t ts, cairn_err *err);
#endif
