/* keysel.h — choosing the key provider the configuration selects. */
#ifndef CAIRN_KEYSEL_H
#define CAIRN_KEYSEL_H
#include <cairn/keys.h>

/* Asks every loaded key provider whether cfg selects it. None: *len = 0 (no
 * encryption). Two: an error naming both. One: fetches the key and refuses
 * any length but 16, 24 or 32 bytes. */
int cairn_key_load(const struct cairn_kv *cfg, unsigned char *key, size_t *len, cairn_err *err);
#endif
