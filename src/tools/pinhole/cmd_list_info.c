/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pinhole list, pinhole info: what cameras there are and what they offer. */

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* Parse the options common to list and info. @return -1 to go on, else an exit code. */
static int parse_simple_options(struct cli_global *global, int argc, char **argv)
{
	static const struct option options[] = {
		{"help", no_argument, NULL, 'h'},
		{"verbose", no_argument, NULL, 'v'},
		{NULL, 0, NULL, 0},
	};
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "hv", options, NULL)) != -1) {
		switch (opt) {
		case 'h':
			cli_usage(stdout, argv[0]);
			return CLI_EXIT_OK;
		case 'v':
			global->verbose = true;
			break;
		default:
			return cli_usage_error(argv[0], "unknown option '%s'", argv[optind - 1]);
		}
	}
	return -1;
}

int cmd_list(const struct cli_global *global_in, int argc, char **argv)
{
	struct cli_global global = *global_in;
	struct ph_context *ctx;
	unsigned count;
	int ret;

	ret = parse_simple_options(&global, argc, argv);
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return cli_usage_error("list", "unexpected argument '%s'", argv[optind]);

	ctx = cli_context_new(&global);
	if (!ctx)
		return CLI_EXIT_RUNTIME;
	cli_drain_events(ctx);

	count = ph_context_camera_count(ctx);
	if (!count)
		printf("No cameras found.\n");
	for (unsigned i = 0; i < count; i++) {
		struct ph_camera *camera = ph_context_camera_at(ctx, i);
		const char *model;

		if (!camera)
			continue;
		model = ph_control_list_get_string(ph_camera_get_properties(camera),
						   PH_PROPERTY_MODEL);
		if (model)
			printf("%u: %s (%s)\n", i, ph_camera_get_id(camera), model);
		else
			printf("%u: %s\n", i, ph_camera_get_id(camera));
	}

	ph_context_unref(ctx);
	return CLI_EXIT_OK;
}

static void print_properties(struct ph_camera *camera)
{
	const struct ph_control_list *props = ph_camera_get_properties(camera);
	unsigned count = props ? ph_control_list_count(props) : 0;
	char value[512];

	printf("Properties:\n");
	if (!count)
		printf("  (none)\n");
	for (unsigned i = 0; i < count; i++) {
		uint32_t id = ph_control_list_id_at(props, i);
		const struct ph_control_desc *desc = ph_control_desc_by_id(id);

		if (cli_format_list_value(props, id, value, sizeof(value)) < 0)
			continue;
		if (desc)
			printf("  %s = %s", desc->name, value);
		else
			printf("  0x%x = %s", id, value);
		if (desc && desc->unit && desc->unit[0] && desc->type != PH_CONTROL_TYPE_STRING)
			printf(" (%s)", desc->unit);
		printf("\n");
	}
}

static void print_controls(struct ph_camera *camera)
{
	unsigned count = ph_camera_control_count(camera);
	char type[32], min[256], max[256], def[256];

	printf("Controls:\n");
	if (!count)
		printf("  (none)\n");
	for (unsigned i = 0; i < count; i++) {
		const struct ph_control_info *info = ph_camera_control_at(camera, i);

		if (!info || !info->desc)
			continue;
		ph_control_value_format(&info->min, min, sizeof(min));
		ph_control_value_format(&info->max, max, sizeof(max));
		ph_control_value_format(&info->def, def, sizeof(def));
		printf("  %s: %s", info->desc->name,
		       cli_control_type_name(info->desc->type, info->desc->count, type,
					     sizeof(type)));
		if (info->desc->unit && info->desc->unit[0])
			printf(" (%s)", info->desc->unit);
		printf(", range %s..%s, default %s\n", min, max, def);
	}
}

static void print_size_range(const struct ph_size_range *range)
{
	if (range->min_width == range->max_width && range->min_height == range->max_height) {
		printf("%ux%u", range->max_width, range->max_height);
		return;
	}
	printf("%ux%u..%ux%u", range->min_width, range->min_height, range->max_width,
	       range->max_height);
	if (range->hstep > 1 || range->vstep > 1)
		printf(" step %ux%u", range->hstep, range->vstep);
}

static void print_role(struct ph_context *ctx, struct ph_camera *camera, enum ph_stream_role role)
{
	enum ph_log_priority priority = ph_context_get_log_priority(ctx);
	struct ph_stream_config *stream;
	struct ph_config *config;
	unsigned count;

	/* A refused role is an answer here, not an error: below ERROR nothing is logged. */
	if (priority < PH_LOG_DEBUG)
		ph_context_set_log_priority(ctx, PH_LOG_ERROR - 1);
	config = ph_camera_generate_config(camera, &role, 1);
	ph_context_set_log_priority(ctx, priority);

	printf("  %s:", ph_stream_role_name(role));
	if (!config || !(stream = ph_config_stream_at(config, 0))) {
		printf(" not supported\n");
		ph_config_free(config);
		return;
	}
	printf(" default %s %ux%u, %u buffers\n",
	       ph_format_name(stream->pixel_format) ? ph_format_name(stream->pixel_format) : "?",
	       stream->width, stream->height, stream->buffer_count);

	count = ph_config_format_count(config, 0);
	for (unsigned i = 0; i < count; i++) {
		uint32_t fourcc = ph_config_format_at(config, 0, i);
		const char *name = ph_format_name(fourcc);
		struct ph_size_range range;

		if (name)
			printf("    %-14s ", name);
		else
			printf("    0x%08x     ", fourcc);
		if (ph_config_size_range(config, 0, fourcc, &range) == 0)
			print_size_range(&range);
		else
			printf("(no sizes)");
		printf("\n");
	}
	ph_config_free(config);
}

static void print_camera(struct ph_context *ctx, struct ph_camera *camera, unsigned index)
{
	static const enum ph_stream_role roles[] = {
		PH_ROLE_RAW,
		PH_ROLE_STILL,
		PH_ROLE_VIDEO,
		PH_ROLE_VIEWFINDER,
	};

	printf("Camera %u: %s\n", index, ph_camera_get_id(camera));
	print_properties(camera);
	print_controls(camera);
	printf("Streams:\n");
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		print_role(ctx, camera, roles[i]);
}

int cmd_info(const struct cli_global *global_in, int argc, char **argv)
{
	struct cli_global global = *global_in;
	struct ph_context *ctx;
	const char *name = NULL;
	int ret = CLI_EXIT_OK;

	ret = parse_simple_options(&global, argc, argv);
	if (ret >= 0)
		return ret;
	if (optind < argc)
		name = argv[optind++];
	if (optind < argc)
		return cli_usage_error("info", "unexpected argument '%s'", argv[optind]);

	ctx = cli_context_new(&global);
	if (!ctx)
		return CLI_EXIT_RUNTIME;
	cli_drain_events(ctx);

	ret = CLI_EXIT_OK;
	if (name) {
		struct ph_camera *camera = cli_find_camera(ctx, name);
		unsigned index = 0;

		if (!camera) {
			ret = CLI_EXIT_RUNTIME;
		} else {
			for (unsigned i = 0; i < ph_context_camera_count(ctx); i++)
				if (ph_context_camera_at(ctx, i) == camera)
					index = i;
			print_camera(ctx, camera, index);
		}
	} else {
		unsigned count = ph_context_camera_count(ctx);

		if (!count)
			printf("No cameras found.\n");
		for (unsigned i = 0; i < count; i++) {
			struct ph_camera *camera = ph_context_camera_at(ctx, i);

			if (!camera)
				continue;
			if (i)
				printf("\n");
			print_camera(ctx, camera, i);
		}
	}

	/* generate_config may have logged and queued nothing, but be tidy. */
	cli_drain_events(ctx);
	ph_context_unref(ctx);
	return ret;
}
