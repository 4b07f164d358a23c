/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Transport of the IPA isolation protocol (ipc-protocol.yaml): one message
 * per SOCK_SEQPACKET datagram, file descriptors with SCM_RIGHTS. Shared by
 * libpinhole and the worker, pinhole-ipa-proxy.
 */
#include <stddef.h>
#include <sys/types.h>

#include "ipc-protocol.h"

/* The worker's end of the socket, as the worker sees it. */
#define PH_IPC_WORKER_FD 3

/* Send @w with @nfds descriptors (borrowed). @return 0 or a negative errno (never SIGPIPE). */
int ph_ipc_send(int sock, const struct ph_ipc_writer *w, const int *fds, unsigned nfds);

/*
 * Receive one message into @buf (PH_IPC_MAX_MESSAGE bytes) and the
 * descriptors sent with it into @fds (PH_IPC_MAX_FDS, O_CLOEXEC, owned by
 * the caller), @nfds their count. A message or descriptor set too large for
 * the buffers is refused: -EBADMSG with every descriptor closed.
 * @return the message length, 0 at end of file, or a negative errno.
 */
ssize_t ph_ipc_recv(int sock, void *buf, int *fds, unsigned *nfds);

/* Close @n descriptors of @fds. */
void ph_ipc_close_fds(const int *fds, unsigned n);
