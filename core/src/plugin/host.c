/* host.c — the host services table: what a plugin may call back into cairn
 * for. Plugins never link against the cairn binary; this table is all of the
 * host they see. */
#include "plugin/host.h"

#include "config.h"
#include "log.h"

CAIRN_PRINTF(3, 4) static void host_log(int level, const char *plugin, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cairn_vlog(level, plugin, fmt, ap);
	va_end(ap);
}

static const struct cairn_host host = {
    .abi_major = CAIRN_ABI_MAJOR,
    .abi_minor = CAIRN_ABI_MINOR,
    .struct_size = sizeof(struct cairn_host),
    .version = CAIRN_VERSION,
    .log = host_log,
    .add_secret = cairn_add_secret,
    .config_get = cairn_config_get,
};

const struct cairn_host *cairn_host_table(void) { return &host; }
