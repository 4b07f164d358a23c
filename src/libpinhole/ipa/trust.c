/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which IPA modules run in-process: those built with this Pinhole, proven
 * by an Ed25519 signature of the module file (<module>.so.sign beside it)
 * made at build time with a key generated in the build tree, whose public
 * half is compiled in here (ipa-sign.c). Anything else runs isolated.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/internal.h"
#include "ipa-public-key.h"
#include "ipa/ipa.h"

#define MAX_MODULE_SIZE (256u << 20)

/* Read exactly @size bytes of file @path into @buf. @return 0 or -errno. */
static int read_signature(const char *path, unsigned char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	char extra;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size);
	if (n == (ssize_t)size && read(fd, &extra, 1) != 0)
		n = -1; /* longer than a signature */
	close(fd);
	return n == (ssize_t)size ? 0 : -EINVAL;
}

bool ph_ipa_module_trusted(struct ph_context *ctx, int module_fd, const char *path)
{
	unsigned char sig[crypto_sign_BYTES];
	char sig_path[PATH_MAX];
	struct stat st;
	void *data;
	bool ok;

	if (snprintf(sig_path, sizeof(sig_path), "%s.sign", path) >= (int)sizeof(sig_path) ||
	    read_signature(sig_path, sig, sizeof(sig))) {
		ph_info(ctx,
			"%s: no signature of this Pinhole build (%s): the module runs isolated\n",
			path, sig_path);
		return false;
	}
	if (sodium_init() < 0 || fstat(module_fd, &st) < 0 || st.st_size <= 0 ||
	    (uint64_t)st.st_size > MAX_MODULE_SIZE)
		return false;
	data = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, module_fd, 0);
	if (data == MAP_FAILED)
		return false;
	ok = crypto_sign_verify_detached(sig, data, (unsigned long long)st.st_size,
					 ph_ipa_public_key) == 0;
	munmap(data, (size_t)st.st_size);
	if (!ok)
		ph_warn(ctx,
			"%s: signature %s does not match the module or this build's key: the "
			"module runs isolated\n",
			path, sig_path);
	return ok;
}
