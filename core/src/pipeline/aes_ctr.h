/* aes_ctr.h — AES-CTR as filters. Encrypting writes the 16-byte IV (the
 * initial counter block, in the clear) before the ciphertext; decrypting
 * takes the IV from the first 16 bytes. AES-128/192/256 by key length. */
#ifndef CAIRN_PIPELINE_AES_CTR_H
#define CAIRN_PIPELINE_AES_CTR_H
#include "pipeline/filter.h"

#define CAIRN_AES_IV_LEN 16

/* iv NULL: a fresh random IV (always, outside tests). */
int cairn_aes_ctr_encrypt_new(const unsigned char *key, size_t key_len,
			      const unsigned char iv[CAIRN_AES_IV_LEN], struct cairn_filter **out,
			      cairn_err *err);
int cairn_aes_ctr_decrypt_new(const unsigned char *key, size_t key_len, struct cairn_filter **out,
			      cairn_err *err);
#endif
