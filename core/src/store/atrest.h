/* atrest.h — encryption at rest of a postings directory (docs/AT-REST.md):
 * the keys derived from the alpha's key, sealing one value (AES-256-CTR and
 * HMAC-SHA256, encrypt-then-MAC, a unique nonce each, the value's place as
 * associated data), the keyed
 * tags that replace predicate names and object hashes in LMDB keys, and
 * sealed small files (restore.json, tasks.json). */
#ifndef CAIRN_STORE_ATREST_H
#define CAIRN_STORE_ATREST_H
#include <cairn/plugin.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes a sealed value has beyond its plaintext: nonce(12) and MAC(16). */
#define CAIRN_SEAL_OVER 28
#define CAIRN_TAG_LEN 16
#define CAIRN_FP_LEN 16

struct cairn_atrest;
struct cairn_sealer;

/* Derives the keys (HKDF-SHA256, distinct labels) from key (16, 24 or 32
 * bytes). The result is freed with cairn_atrest_free. */
int cairn_atrest_new(const unsigned char *key, size_t len, struct cairn_atrest **out,
		     cairn_err *err);
void cairn_atrest_free(struct cairn_atrest *ar);
/* The key's public fingerprint (a third HKDF output), and as 32 hex chars. */
const unsigned char *cairn_atrest_fp(const struct cairn_atrest *ar);
void cairn_atrest_fp_hex(const unsigned char fp[CAIRN_FP_LEN], char out[2 * CAIRN_FP_LEN + 1]);

/* The keyed 16-byte tag of a predicate name (cached), and of an object
 * bound to its triple (the predicate's tag and the subject as it is in the
 * key, 8 bytes): equal objects of other triples get unrelated tags. */
void cairn_atrest_pred_tag(struct cairn_atrest *ar, const char *pred, size_t plen,
			   unsigned char out[CAIRN_TAG_LEN]);
void cairn_atrest_obj_tag(const struct cairn_atrest *ar, const unsigned char *ptag_subj,
			  const void *obj, size_t olen, unsigned char out[CAIRN_TAG_LEN]);

/* One thread's cipher contexts (set up once: a value then costs its nonce). */
struct cairn_sealer *cairn_sealer_new(const struct cairn_atrest *ar);
void cairn_sealer_free(struct cairn_sealer *s);
/* out gets len + CAIRN_SEAL_OVER bytes: nonce, ciphertext, tag. The two
 * parts of the plaintext are sealed as one (head then body). */
int cairn_seal(struct cairn_sealer *s, const void *aad, size_t aadlen, const void *head,
	       size_t hlen, const void *body, size_t blen, unsigned char *out);
/* out gets inlen - CAIRN_SEAL_OVER bytes; -1 if in is not what was sealed
 * with this key and aad (a changed byte, another key, another place). */
int cairn_unseal(struct cairn_sealer *s, const void *aad, size_t aadlen, const unsigned char *in,
		 size_t inlen, unsigned char *out);

/* A small file of the postings directory, sealed when ar is set (the file's
 * name is its associated data) and plain otherwise; the reader refuses a
 * sealed file without a key, a plain one with a key, and a damaged one.
 * read: 1 if the file does not exist; *data NUL-terminated, malloc'd. */
int cairn_atrest_write_file(const struct cairn_atrest *ar, const char *path, const void *data,
			    size_t len, cairn_err *err);
/* The same sealed as the file name will be once renamed. */
int cairn_atrest_write_file_as(const struct cairn_atrest *ar, const char *path, const char *name,
			       const void *data, size_t len, cairn_err *err);
int cairn_atrest_read_file(const struct cairn_atrest *ar, const char *path, size_t max, char **data,
			   size_t *len, cairn_err *err);
#endif
