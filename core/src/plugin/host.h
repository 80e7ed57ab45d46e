/* host.h — the table of host services every plugin receives at init
 * (struct cairn_host: logging, secret registration, config lookup). */
#ifndef CAIRN_PLUGIN_HOST_H
#define CAIRN_PLUGIN_HOST_H
#include <cairn/plugin.h>

const struct cairn_host *cairn_host_table(void);
#endif
