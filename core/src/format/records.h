/* records.h — the record stream inside a backup object (before gzip).
 * The format is documented in docs/FORMAT.md; keep the two in step. */
#ifndef CAIRN_RECORDS_H
#define CAIRN_RECORDS_H
#include <cairn/plugin.h>

#include "pipeline/object.h"
#include "store/db.h"

#define CAIRN_REC_MAGIC "CAIRNREC"
#define CAIRN_REC_VERSION 2 /* the version written; 1 is still read */
#define CAIRN_REC_MAX_OBJ (64u << 20)

struct cairn_rec_header {
	uint32_t group;
	uint64_t since, read_ts;
};

/* Encoder on top of an object writer, with its own small buffer. */
struct cairn_rec_encoder;
int cairn_rec_encoder_open(struct cairn_obj_writer *w, const struct cairn_rec_header *h,
			   struct cairn_rec_encoder **out, cairn_err *err);
/* Tests only: an encoder writing version 1, the format of older backups. */
int cairn_rec_encoder_open_v1(struct cairn_obj_writer *w, const struct cairn_rec_header *h,
			      struct cairn_rec_encoder **out, cairn_err *err);
int cairn_rec_put(struct cairn_rec_encoder *e, const struct cairn_version *v, cairn_err *err);
/* Writes the trailer and frees e (not the writer). */
int cairn_rec_encoder_finish(struct cairn_rec_encoder *e, uint64_t *count, cairn_err *err);
void cairn_rec_encoder_free(struct cairn_rec_encoder *e);

/* Decoder: treats its input as hostile; every length is checked. */
struct cairn_rec_decoder;
int cairn_rec_decoder_open(struct cairn_obj_reader *r, const char *name, struct cairn_rec_header *h,
			   struct cairn_rec_decoder **out, cairn_err *err);
/* 1: *v holds a record (valid until the next call); 0: clean end (trailer
 * seen, count matches, nothing after it); -1: error naming the object. */
int cairn_rec_next(struct cairn_rec_decoder *d, struct cairn_version *v, cairn_err *err);
void cairn_rec_decoder_free(struct cairn_rec_decoder *d);
#endif
