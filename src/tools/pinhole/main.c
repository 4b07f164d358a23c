/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pinhole: list cameras, show what they offer, capture frames, develop raw files. */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char general_help[] =
	"Usage: pinhole [OPTIONS] COMMAND [ARGS...]\n"
	"\n"
	"List cameras, show their properties and controls, capture frames, and develop\n"
	"raw files with the software ISP.\n"
	"\n"
	"Commands:\n"
	"  list                     list the cameras\n"
	"  info [CAMERA]            show properties, controls and stream formats\n"
	"  capture CAMERA [OPTIONS] capture frames, optionally writing them to files\n"
	"  develop FILE [OPTIONS]   develop a raw file into a PNG or PPM image\n"
	"  help [COMMAND]           show help\n"
	"\n"
	"Options:\n"
	"  -h, --help               show this help\n"
	"  -V, --version            show the library version\n"
	"  -v, --verbose            log debug messages from the library\n"
	"\n"
	"CAMERA is a camera id (virtual:0), a unique prefix of one (virtual) or an\n"
	"index as printed by 'pinhole list'.\n"
	"Run 'pinhole COMMAND --help' for the options of a command.\n";

static const char list_help[] = "Usage: pinhole list [OPTIONS]\n"
				"\n"
				"List the cameras, one per line: index, id and model.\n"
				"\n"
				"Options:\n"
				"  -h, --help      show this help\n"
				"  -v, --verbose   log debug messages from the library\n";

static const char info_help[] =
	"Usage: pinhole info [OPTIONS] [CAMERA]\n"
	"\n"
	"Show a camera's properties, its controls (type, range, default) and, for each\n"
	"stream role (raw, still, video, viewfinder), the pixel formats and sizes it\n"
	"offers. Without CAMERA, show every camera.\n"
	"\n"
	"Options:\n"
	"  -h, --help      show this help\n"
	"  -v, --verbose   log debug messages from the library\n";

static const char capture_help[] =
	"Usage: pinhole capture CAMERA [OPTIONS]\n"
	"\n"
	"Capture frames from CAMERA.\n"
	"\n"
	"Options:\n"
	"  -s, --stream SPEC      add a stream; SPEC is a comma-separated list of\n"
	"                         role=raw|still|video|viewfinder, width=W, height=H,\n"
	"                         size=WxH, format=NAME (default: one viewfinder stream)\n"
	"  -n, --frames N         capture N frames, 0 until interrupted (default 10)\n"
	"  -c, --control NAME=VALUE\n"
	"                         set a control in every request; arrays take\n"
	"                         comma-separated elements (ColourGains=1.8,1.5)\n"
	"  -o, --output PATTERN   write each frame to a file; '#' is replaced by the\n"
	"                         frame's sequence number (6 digits); the extension picks\n"
	"                         the writer: .png, .jpg/.jpeg, .ppm (processed streams),\n"
	"                         .dng (raw streams), .raw; give it once (stream i > 0\n"
	"                         adds '-s<i>' before the extension) or once per stream\n"
	"      --jpeg-quality N   JPEG quality, 1 to 100 (default 90)\n"
	"  -m, --metadata         print the metadata of every frame\n"
	"  -q, --quiet            no progress line\n"
	"  -h, --help             show this help\n"
	"  -v, --verbose          log debug messages from the library\n";

static const char develop_help[] =
	"Usage: pinhole develop FILE --format FORMAT --size WxH [OPTIONS] -o OUTPUT\n"
	"       pinhole develop FILE.dng [OPTIONS] -o OUTPUT\n"
	"\n"
	"Run the software ISP on FILE, a raw frame without header, and write the\n"
	"picture. Every stage is off unless an option turns it on, so a mosaiced sRGB\n"
	"image develops back to itself. A DNG brings its format, size, black and white\n"
	"levels, white balance (AsShotNeutral) and colour matrix (ColorMatrix1);\n"
	"options given override them.\n"
	"\n"
	"Options:\n"
	"  -f, --format FORMAT    raw format of FILE (SRGGB10_CSI2P, SGRBG12, Y10, ...)\n"
	"  -s, --size WxH         frame size in pixels\n"
	"      --stride N         bytes per line (default: the file size over the\n"
	"                         height when it divides evenly, else no padding)\n"
	"      --quality Q        demosaic: fast (Malvar-He-Cutler) or hq (default)\n"
	"      --black-level N    black level at the format's bit depth; N,N,N,N sets\n"
	"                         each site of the 2x2 pattern (top-left first)\n"
	"      --white-level N    saturation level at the format's bit depth\n"
	"                         (default: the largest value)\n"
	"      --gains R,B        white-balance gains of red and blue\n"
	"      --ccm M00,...,M22  colour correction matrix, 9 numbers row by row\n"
	"      --gamma            encode with the sRGB transfer curve\n"
	"      --brightness B     -1 to 1 (default 0)\n"
	"      --contrast C       0 to 16 (default 1)\n"
	"      --saturation S     0 to 16 (default 1)\n"
	"      --depth 8|16       bits per output sample (16: RGB48 PNG, 16-bit PPM)\n"
	"      --threads N        ISP threads, 0 for one per CPU (default 0)\n"
	"      --jpeg-quality N   JPEG quality, 1 to 100 (default 90)\n"
	"  -o, --output FILE      the image to write: .png, .jpg/.jpeg or .ppm\n"
	"  -h, --help             show this help\n"
	"  -v, --verbose          say what was written and how long the ISP took\n";

void cli_usage(FILE *out, const char *command)
{
	if (!command)
		fputs(general_help, out);
	else if (!strcmp(command, "list"))
		fputs(list_help, out);
	else if (!strcmp(command, "info"))
		fputs(info_help, out);
	else if (!strcmp(command, "capture"))
		fputs(capture_help, out);
	else if (!strcmp(command, "develop"))
		fputs(develop_help, out);
	else
		fputs(general_help, out);
}

static int cmd_help(int argc, char **argv)
{
	if (argc > 2)
		return cli_usage_error(NULL, "help takes at most one argument");
	if (argc == 2 && strcmp(argv[1], "list") && strcmp(argv[1], "info") &&
	    strcmp(argv[1], "capture") && strcmp(argv[1], "develop") && strcmp(argv[1], "help"))
		return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
	cli_usage(stdout, argc == 2 && strcmp(argv[1], "help") ? argv[1] : NULL);
	return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"verbose", no_argument, NULL, 'v'},
		{NULL, 0, NULL, 0},
	};
	struct cli_global global = {0};
	int opt;

	/* '+': stop at the command, whose options are its own. */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+hVv", options, NULL)) != -1) {
		switch (opt) {
		case 'h':
			cli_usage(stdout, NULL);
			return CLI_EXIT_OK;
		case 'V':
			printf("pinhole %s\n", ph_version());
			return CLI_EXIT_OK;
		case 'v':
			global.verbose = true;
			break;
		default:
			return cli_usage_error(NULL, "unknown option '%s'", argv[optind - 1]);
		}
	}

	if (optind >= argc)
		return cli_usage_error(NULL, "no command given");

	const char *command = argv[optind];
	int cmd_argc = argc - optind;
	char **cmd_argv = argv + optind;

	/* Let each command parse its options from scratch. */
	optind = 0;
	if (!strcmp(command, "list"))
		return cmd_list(&global, cmd_argc, cmd_argv);
	if (!strcmp(command, "info"))
		return cmd_info(&global, cmd_argc, cmd_argv);
	if (!strcmp(command, "capture"))
		return cmd_capture(&global, cmd_argc, cmd_argv);
	if (!strcmp(command, "develop"))
		return cmd_develop(&global, cmd_argc, cmd_argv);
	if (!strcmp(command, "help"))
		return cmd_help(cmd_argc, cmd_argv);
	return cli_usage_error(NULL, "unknown command '%s'", command);
}
