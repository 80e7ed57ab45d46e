/* stream.h — a response body produced while it is sent: a function writes
 * it on its own thread into a socket pair, and the server sends what comes
 * out, so a body of any size takes the pair's buffer in memory, not its
 * size. A producer that fails cuts the connection: the client sees a body
 * that ends in the middle (chunked encoding never finished), never a short
 * body that looks whole. */
#ifndef CAIRN_STREAM_H
#define CAIRN_STREAM_H
#include <cairn/plugin.h>
#include <stddef.h>

struct cairn_http_resp;
struct cairn_http_stream;

/* Writes the body to fd (cairn_stream_write); 0 when all of it is written,
 * -1 on failure (it logs why). Runs on its own thread. */
typedef int (*cairn_stream_fn)(void *ctx, int fd);

/* Starts fn(ctx, fd) and makes resp (status 200, content_type) stream what
 * it writes; free_ctx(ctx) runs when the response is done with. Returns 0,
 * or -1 with err set (and free_ctx already called). */
int cairn_http_stream(struct cairn_http_resp *resp, const char *content_type, cairn_stream_fn fn,
		      void *ctx, void (*free_ctx)(void *ctx), cairn_err *err);

/* Writes all of buf to a stream's fd: 0, or -1 when the client has gone. */
int cairn_stream_write(int fd, const void *buf, size_t len);

/* For server/http.c: the body's next bytes into buf; 0 at the end of a
 * body written whole, -1 at a failed one's end. */
long cairn_stream_read(struct cairn_http_stream *st, char *buf, size_t max);
void cairn_stream_free(struct cairn_http_stream *st);
#endif
