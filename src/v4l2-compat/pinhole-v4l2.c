/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pinhole-v4l2: run a program with Pinhole cameras appearing as V4L2
 * capture devices, by preloading libpinhole-v4l2.so.
 */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pinhole/pinhole.h>

#define MAX_DEVICES 8

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: pinhole-v4l2 [--camera ID [--node PATH]]... -- PROGRAM [ARGS...]\n"
		"Run PROGRAM with each Pinhole camera answering as a V4L2 capture device.\n\n"
		"  -c, --camera ID   a camera id, unique id prefix or index (default: every "
		"camera)\n"
		"  -n, --node PATH   the device path it answers at (default /dev/videoN, N "
		"counting\n"
		"                    the cameras given); no such node needs to exist\n"
		"  -h, --help        show this help\n\n"
		"Example: pinhole-v4l2 --camera virtual --node /dev/video0 -- v4l2-ctl --all\n");
}

/* libpinhole-v4l2.so next to this program (build tree), else the installed one. */
static int find_library(char *path, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		char *slash;

		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			if (snprintf(path, size, "%s/libpinhole-v4l2.so", self) < (int)size &&
			    access(path, R_OK) == 0)
				return 0;
		}
	}
	if (snprintf(path, size, "%s/libpinhole-v4l2.so", PH_V4L2_LIBDIR) >= (int)size)
		return -ENAMETOOLONG;
	return access(path, R_OK) == 0 ? 0 : -ENOENT;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{"camera", required_argument, NULL, 'c'},
		{"node", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *cameras[MAX_DEVICES], *nodes[MAX_DEVICES] = {NULL};
	char spec[4096], library[PATH_MAX], preload[PATH_MAX * 2], node[32];
	const char *old_preload;
	struct ph_context_params params = {.size = sizeof(params)};
	struct ph_context *ctx;
	unsigned count = 0;
	size_t len = 0;
	int opt, status = 0;

	while ((opt = getopt_long(argc, argv, "+c:n:h", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			if (count == MAX_DEVICES) {
				fprintf(stderr, "pinhole-v4l2: at most %d cameras\n", MAX_DEVICES);
				return 2;
			}
			cameras[count++] = optarg;
			break;
		case 'n':
			if (!count) {
				fprintf(stderr,
					"pinhole-v4l2: --node follows the --camera it is for\n");
				return 2;
			}
			if (optarg[0] != '/') {
				fprintf(stderr, "pinhole-v4l2: --node needs an absolute path\n");
				return 2;
			}
			nodes[count - 1] = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "pinhole-v4l2: no program given\n");
		usage(stderr);
		return 2;
	}

	/* Resolve the cameras now, so a typo fails here and not inside the program. */
	ctx = ph_context_new(&params);
	if (!ctx) {
		fprintf(stderr, "pinhole-v4l2: cannot create a Pinhole context\n");
		return 1;
	}
	for (struct ph_event *ev; (ev = ph_context_next_event(ctx)); ph_event_free(ev))
		;
	if (!count) {
		for (unsigned i = 0; i < ph_context_camera_count(ctx) && i < MAX_DEVICES; i++)
			cameras[count++] = ph_camera_get_id(ph_context_camera_at(ctx, i));
	}
	for (unsigned i = 0; i < count && !status; i++) {
		struct ph_camera *camera = ph_context_get_camera(ctx, cameras[i]);
		int n;

		if (!camera) {
			fprintf(stderr, "pinhole-v4l2: no camera '%s'; see 'pinhole list'\n",
				cameras[i]);
			status = 1;
			break;
		}
		snprintf(node, sizeof(node), "/dev/video%u", i);
		n = snprintf(spec + len, sizeof(spec) - len, "%s%s=%s", i ? "," : "",
			     nodes[i] ? nodes[i] : node, ph_camera_get_id(camera));
		if (n < 0 || (size_t)n >= sizeof(spec) - len ||
		    strchr(ph_camera_get_id(camera), ',')) {
			fprintf(stderr, "pinhole-v4l2: camera list too long\n");
			status = 1;
		}
		len += n > 0 ? (size_t)n : 0;
	}
	ph_context_unref(ctx);
	if (status)
		return status;
	if (!count) {
		fprintf(stderr, "pinhole-v4l2: no camera found\n");
		return 1;
	}
	if (find_library(library, sizeof(library)) < 0) {
		fprintf(stderr, "pinhole-v4l2: cannot find libpinhole-v4l2.so (looked in %s)\n",
			PH_V4L2_LIBDIR);
		return 1;
	}
	old_preload = getenv("LD_PRELOAD");
	snprintf(preload, sizeof(preload), "%s%s%s", library, old_preload ? " " : "",
		 old_preload ? old_preload : "");
	if (setenv("LD_PRELOAD", preload, 1) < 0 || setenv("PINHOLE_V4L2_DEVICES", spec, 1) < 0) {
		fprintf(stderr, "pinhole-v4l2: %s\n", strerror(errno));
		return 1;
	}
	execvp(argv[optind], &argv[optind]);
	fprintf(stderr, "pinhole-v4l2: cannot run '%s': %s\n", argv[optind], strerror(errno));
	return 127;
}
