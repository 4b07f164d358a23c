/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "base/list.h"
#include "base/loop.h"

struct ph_source {
	struct ph_loop *loop;
	int fd;
	ph_source_func func;
	void *data;
	bool removed;
	struct ph_list link; /* loop->sources, or loop->removed once removed */
};

struct ph_loop {
	int epoll_fd;
	struct ph_list sources;
	struct ph_list removed; /* freed after dispatch, so callbacks may remove sources */
	int dispatching;
};

struct ph_loop *ph_loop_new(void)
{
	struct ph_loop *loop = calloc(1, sizeof(*loop));

	if (!loop)
		return NULL;
	loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epoll_fd < 0) {
		free(loop);
		return NULL;
	}
	ph_list_init(&loop->sources);
	ph_list_init(&loop->removed);
	return loop;
}

static void free_removed(struct ph_loop *loop)
{
	struct ph_source *s, *tmp;

	ph_list_for_each_safe(s, tmp, &loop->removed, struct ph_source, link)
	{
		ph_list_remove(&s->link);
		free(s);
	}
}

void ph_loop_free(struct ph_loop *loop)
{
	struct ph_source *s, *tmp;

	if (!loop)
		return;
	ph_list_for_each_safe(s, tmp, &loop->sources, struct ph_source, link)
	{
		ph_list_remove(&s->link);
		free(s);
	}
	free_removed(loop);
	close(loop->epoll_fd);
	free(loop);
}

int ph_loop_get_fd(const struct ph_loop *loop)
{
	return loop->epoll_fd;
}

struct ph_source *ph_loop_add_fd(struct ph_loop *loop, int fd, uint32_t events, ph_source_func func,
				 void *data)
{
	struct ph_source *s = calloc(1, sizeof(*s));
	struct epoll_event ev = {.events = events};

	if (!s)
		return NULL;
	s->loop = loop;
	s->fd = fd;
	s->func = func;
	s->data = data;
	ev.data.ptr = s;
	if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int err = errno;

		free(s);
		errno = err;
		return NULL;
	}
	ph_list_append(&loop->sources, &s->link);
	return s;
}

void ph_loop_remove(struct ph_source *source)
{
	struct ph_loop *loop;

	if (!source)
		return;
	loop = source->loop;
	epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, source->fd, NULL);
	source->removed = true;
	ph_list_remove(&source->link);
	if (loop->dispatching)
		ph_list_append(&loop->removed, &source->link);
	else
		free(source);
}

int ph_loop_dispatch(struct ph_loop *loop)
{
	struct epoll_event events[16];
	int n;

	n = epoll_wait(loop->epoll_fd, events, 16, 0);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;

	loop->dispatching++;
	for (int i = 0; i < n; i++) {
		struct ph_source *s = events[i].data.ptr;

		/* An earlier callback in this batch may have removed it. */
		if (!s->removed)
			s->func(s, s->fd, events[i].events, s->data);
	}
	if (--loop->dispatching == 0)
		free_removed(loop);
	return 0;
}
