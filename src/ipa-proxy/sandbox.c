/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sandbox.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

int sandbox_enter(int keep_fd)
{
	struct rlimit no_core = {0, 0};
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0)
		return -errno;
	/* 0-2 stay valid (on /dev/null), so that descriptors received later never land
	 * there and a module's printf() goes nowhere. A sanitizer build keeps stderr:
	 * its reports of the worker must reach the test logs. */
	for (int fd = 0; fd <= 2; fd++)
		if (fd != keep_fd && (fd != 2 || !SANITIZED) && dup2(null, fd) < 0)
			return -errno;
	for (int fd = 3; fd < keep_fd; fd++)
		close(fd);
	if (close_range((unsigned)keep_fd + 1, ~0u, 0) < 0)
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	/* A crash leaves no core file, and nothing of the same user can ptrace us. */
	setrlimit(RLIMIT_CORE, &no_core);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	return 0;
}

/* What the protocol, the C library and a module's computations need. */
static int allow_runtime(scmp_filter_ctx f, bool loader)
{
	static const int plain[] = {
		SCMP_SYS(read),		SCMP_SYS(write),	   SCMP_SYS(readv),
		SCMP_SYS(writev),	SCMP_SYS(recvmsg),	   SCMP_SYS(sendmsg),
		SCMP_SYS(recvfrom),	SCMP_SYS(sendto),	   SCMP_SYS(close),
		SCMP_SYS(fstat),	SCMP_SYS(newfstatat),	   SCMP_SYS(lseek),
		SCMP_SYS(munmap),	SCMP_SYS(mremap),	   SCMP_SYS(madvise),
		SCMP_SYS(brk),		SCMP_SYS(futex),	   SCMP_SYS(clock_gettime),
		SCMP_SYS(clock_getres), SCMP_SYS(gettimeofday),	   SCMP_SYS(clock_nanosleep),
		SCMP_SYS(nanosleep),	SCMP_SYS(sched_yield),	   SCMP_SYS(getpid),
		SCMP_SYS(gettid),	SCMP_SYS(getrandom),	   SCMP_SYS(exit),
		SCMP_SYS(exit_group),	SCMP_SYS(rt_sigreturn),	   SCMP_SYS(rt_sigprocmask),
		SCMP_SYS(rt_sigaction), SCMP_SYS(sigaltstack),	   SCMP_SYS(restart_syscall),
		SCMP_SYS(rseq),		SCMP_SYS(set_robust_list), SCMP_SYS(sched_getaffinity),
	};
	int ret = 0;

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]) && !ret; i++)
		ret = seccomp_rule_add(f, SCMP_ACT_ALLOW, plain[i], 0);
	/* Signals only to ourselves (abort(), raise()). */
	if (!ret)
		ret = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
				       SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
	/* Threads, not processes. */
	if (!ret)
		ret = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				       SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	/* glibc falls back to clone(), whose flags the filter can see. */
	if (!ret)
		ret = seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (loader) {
		/* dlopen(): read-only opens, executable mappings. */
		if (!ret)
			ret = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
					       SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT, 0));
		if (!ret)
			ret = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 0);
		if (!ret)
			ret = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 0);
		if (!ret)
			ret = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(pread64), 0);
		/* Loading the runtime filter (more filters only ever restrict). */
		if (!ret)
			ret = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
					       SCMP_A0(SCMP_CMP_EQ, PR_SET_NO_NEW_PRIVS));
		if (!ret)
			ret = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(seccomp), 0);
	} else {
		/* Memory, but nothing new becomes executable. */
		if (!ret)
			ret = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
					       SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
		if (!ret)
			ret = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
					       SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	}
	return ret;
}

static int load_filter(bool loader)
{
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int ret;

	if (!f)
		return -ENOMEM;
	ret = allow_runtime(f, loader);
	if (!ret)
		ret = seccomp_load(f);
	seccomp_release(f);
	return ret;
}

int sandbox_loader_filter(void)
{
	return load_filter(true);
}

int sandbox_runtime_filter(void)
{
	return load_filter(false);
}
