/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The worker's sandbox (doc/ipa.md): every fd but the socket closed (0-2 on
 * /dev/null), no new privileges, no core dumps, then two seccomp filters.
 * A forbidden system call kills the worker (SECCOMP_RET_KILL_PROCESS).
 */

/* Close what the worker does not need and set PR_SET_NO_NEW_PRIVS. @return 0 or -errno. */
int sandbox_enter(int keep_fd);
/*
 * The loader filter, for dlopen(): the runtime set plus read-only opens of
 * files and mmap with PROT_EXEC. @return 0 or -errno.
 */
int sandbox_loader_filter(void);
/*
 * The runtime filter, stacked on the loader one once the module is loaded:
 * no opening files, no sockets, no exec, no executable mappings.
 */
int sandbox_runtime_filter(void);
