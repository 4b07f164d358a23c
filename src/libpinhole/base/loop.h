/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The context's event loop: an epoll fd that the user polls through
 * ph_context_get_fd(), with one callback per watched fd, run from
 * ph_context_dispatch() on the user's thread.
 */

#include <stdint.h>

struct ph_loop;
struct ph_source;

typedef void (*ph_source_func)(struct ph_source *source, int fd, uint32_t events, void *data);

struct ph_loop *ph_loop_new(void);
void ph_loop_free(struct ph_loop *loop);
int ph_loop_get_fd(const struct ph_loop *loop);

/* Watch @fd for @events (EPOLLIN...). The loop does not own @fd. NULL on failure (errno set). */
struct ph_source *ph_loop_add_fd(struct ph_loop *loop, int fd, uint32_t events, ph_source_func func,
				 void *data);
/* Stop watching; safe to call from inside the source's own callback. */
void ph_loop_remove(struct ph_source *source);

/* Run the callbacks of every ready source once, without blocking. */
int ph_loop_dispatch(struct ph_loop *loop);
