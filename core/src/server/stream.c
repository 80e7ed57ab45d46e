/* stream.c — a response body written by a producer thread (see stream.h). */
#include "server/stream.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/http.h"

struct cairn_http_stream {
	int fds[2]; /* [0] read by the server, [1] written by the producer */
	pthread_t thread;
	int started;
	int rc; /* the producer's result, read after join */
	cairn_stream_fn fn;
	void *ctx;
	void (*free_ctx)(void *ctx);
};

static void *produce(void *arg)
{
	struct cairn_http_stream *st = arg;
	st->rc = st->fn(st->ctx, st->fds[1]);
	/* The end of the body: the server reads EOF, then joins to learn rc. */
	shutdown(st->fds[1], SHUT_WR);
	return NULL;
}

int cairn_stream_write(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

long cairn_stream_read(struct cairn_http_stream *st, char *buf, size_t max)
{
	for (;;) {
		ssize_t n = recv(st->fds[0], buf, max, 0);
		if (n > 0)
			return (long)n;
		if (n < 0 && errno == EINTR)
			continue;
		if (st->started) {
			pthread_join(st->thread, NULL);
			st->started = 0;
		}
		return n == 0 && st->rc == 0 ? 0 : -1;
	}
}

void cairn_stream_free(struct cairn_http_stream *st)
{
	if (!st)
		return;
	/* A client that left: the producer's next write fails and it stops. */
	if (st->fds[0] >= 0)
		shutdown(st->fds[0], SHUT_RDWR);
	if (st->started)
		pthread_join(st->thread, NULL);
	for (int i = 0; i < 2; i++)
		if (st->fds[i] >= 0)
			close(st->fds[i]);
	if (st->free_ctx)
		st->free_ctx(st->ctx);
	free(st);
}

int cairn_http_stream(struct cairn_http_resp *resp, const char *content_type, cairn_stream_fn fn,
		      void *ctx, void (*free_ctx)(void *ctx), cairn_err *err)
{
	struct cairn_http_stream *st = calloc(1, sizeof *st);
	if (!st) {
		if (free_ctx)
			free_ctx(ctx);
		return cairn_err_set(err, "out of memory");
	}
	st->fds[0] = st->fds[1] = -1;
	st->fn = fn;
	st->ctx = ctx;
	st->free_ctx = free_ctx;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, st->fds) < 0) {
		cairn_err_set(err, "cannot stream a response: %s", strerror(errno));
		goto fail;
	}
	int e = pthread_create(&st->thread, NULL, produce, st);
	if (e) {
		cairn_err_set(err, "cannot start a thread to stream a response: %s", strerror(e));
		goto fail;
	}
	st->started = 1;
	free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
	resp->status = 200;
	resp->content_type = content_type;
	resp->stream = st;
	return 0;
fail:
	cairn_stream_free(st);
	return -1;
}
