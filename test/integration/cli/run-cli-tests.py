#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Integration tests of the pinhole command-line tool on the simulated camera.

Usage: run-cli-tests.py PINHOLE GOLDEN_DIR

Each golden case runs pinhole and compares its exit status, stdout and
stderr with GOLDEN_DIR/<name>.golden. Set PINHOLE_UPDATE_GOLDEN=1 to write
the golden files from the current output instead of comparing.
The capture cases check files and metadata without golden files; the develop
cases mosaic a synthetic sRGB image, develop it and compare the result.
"""

import difflib
import os
import struct
import subprocess
import sys
import tempfile
import zlib

# name: arguments. Errors print to stderr; the golden file holds all three.
GOLDEN_CASES = {
    'list': ['list'],
    'info-virtual': ['info', 'virtual'],
    'error-unknown-camera': ['capture', 'nosuchcamera'],
    'error-info-unknown-camera': ['info', 'nosuchcamera'],
    'error-unknown-format': ['capture', 'virtual', '--stream', 'format=FOO'],
    'error-unsupported-format': ['capture', 'virtual', '--stream', 'role=raw,format=NV12'],
    'error-unknown-control': ['capture', 'virtual', '--control', 'NoSuchControl=1'],
    'error-bad-control-value': ['capture', 'virtual', '--control', 'ExposureTime=abc'],
    'error-bad-control-count': ['capture', 'virtual', '--control', 'ColourGains=1.5'],
    'error-metadata-only-control': ['capture', 'virtual', '--control', 'FrameDuration=1'],
    'error-unknown-extension': ['capture', 'virtual', '--output', 'frame-#.gif'],
    'error-dng-processed': ['capture', 'virtual', '--frames', '1', '--output', 'frame-#.dng'],
    'error-jpeg-raw': ['capture', 'virtual', '--frames', '1', '--stream', 'role=raw',
                       '--output', 'frame-#.jpg'],
    'error-jpeg-raw-two-streams': ['capture', 'virtual', '--frames', '1', '--stream', 'role=raw',
                                   '--stream', 'role=still', '--output', 'frame-#.jpg'],
    'error-dng-second-stream': ['capture', 'virtual', '--frames', '1', '--stream', 'role=raw',
                                '--stream', 'role=still', '--output', 'raw-#.dng',
                                '--output', 'still-#.dng'],
    'error-output-count': ['capture', 'virtual', '--frames', '1', '--stream', 'role=raw',
                           '--stream', 'role=still', '--output', 'a-#.dng', '--output', 'b-#.jpg',
                           '--output', 'c-#.png'],
    'error-jpeg-quality': ['capture', 'virtual', '--jpeg-quality', '0', '--output', 'f-#.jpg'],
    'error-stream-syntax': ['capture', 'virtual', '--stream', 'role'],
    'error-stream-key': ['capture', 'virtual', '--stream', 'role=raw,depth=8'],
    'error-stream-role': ['capture', 'virtual', '--stream', 'role=preview'],
    'error-stream-size': ['capture', 'virtual', '--stream', 'size=640'],
    'error-frames': ['capture', 'virtual', '--frames', 'many'],
    'error-no-camera-argument': ['capture'],
    'error-unknown-command': ['shoot'],
    'error-no-command': [],
}

# Golden cases that need the simulated camera configured through PINHOLE_VIRTUAL.
GOLDEN_ENV_CASES = {
    'list-no-cameras': (['list'], 'bogus-key=1'),
    'info-raw12-packed': (['info', '0'], 'bit-depth=12,packed=true,width=640,height=480'),
}


# Golden cases of 'pinhole develop', run in a directory holding the files
# named in the second element (name: size in bytes), so paths print the same.
DEVELOP_GOLDEN_CASES = {
    'error-develop-unknown-format': (['develop', 'in.raw', '--format', 'FOO', '--size', '64x48',
                                      '-o', 'out.png'], {}),
    'error-develop-not-raw': (['develop', 'in.raw', '--format', 'NV12', '--size', '64x48',
                               '-o', 'out.png'], {}),
    'error-develop-no-format': (['develop', 'in.raw', '--size', '64x48', '-o', 'out.png'], {}),
    'error-develop-no-input': (['develop', '--format', 'SRGGB8', '--size', '64x48',
                                '-o', 'out.png'], {}),
    'error-develop-size': (['develop', 'in.raw', '--format', 'SRGGB8', '--size', '64',
                            '-o', 'out.png'], {}),
    'error-develop-short-file': (['develop', 'in.raw', '--format', 'SRGGB10_CSI2P',
                                  '--size', '64x48', '-o', 'out.png'], {'in.raw': 3000}),
    'error-develop-short-file-stride': (['develop', 'in.raw', '--format', 'SRGGB8', '--size',
                                         '64x48', '--stride', '128', '-o', 'out.png'],
                                        {'in.raw': 64 * 48}),
    'error-develop-missing-file': (['develop', 'missing.raw', '--format', 'SRGGB8', '--size',
                                    '64x48', '-o', 'out.png'], {}),
    'error-develop-stride': (['develop', 'in.raw', '--format', 'SRGGB10_CSI2P', '--size',
                              '64x48', '--stride', '64', '-o', 'out.png'], {}),
    'error-develop-gains': (['develop', 'in.raw', '--format', 'SRGGB8', '--size', '64x48',
                             '--gains', '1.5', '-o', 'out.png'], {}),
    'error-develop-ccm': (['develop', 'in.raw', '--format', 'SRGGB8', '--size', '64x48',
                           '--ccm', '1,0,0,0,1,0,0,0,x', '-o', 'out.png'], {}),
    'error-develop-black-level': (['develop', 'in.raw', '--format', 'SRGGB10', '--size', '64x48',
                                   '--black-level', '1024', '-o', 'out.png'], {}),
    'error-develop-black-white': (['develop', 'in.raw', '--format', 'SRGGB10', '--size', '64x48',
                                   '--black-level', '64', '--white-level', '64',
                                   '-o', 'out.png'], {}),
    'error-develop-quality': (['develop', 'in.raw', '--format', 'SRGGB8', '--size', '64x48',
                               '--quality', 'best', '-o', 'out.png'], {}),
    'error-develop-depth': (['develop', 'in.raw', '--format', 'SRGGB8', '--size', '64x48',
                             '--depth', '12', '-o', 'out.png'], {}),
    'error-develop-extension': (['develop', 'in.raw', '--format', 'SRGGB8', '--size', '64x48',
                                 '-o', 'out.raw'], {}),
    'error-develop-dng-output': (['develop', 'in.raw', '--format', 'SRGGB8', '--size', '64x48',
                                  '-o', 'out.dng'], {}),
    'error-develop-dng-empty': (['develop', 'in.dng', '-o', 'out.png'], {'in.dng': 0}),
    'error-develop-dng-not-tiff': (['develop', 'in.dng', '-o', 'out.png'], {'in.dng': 64}),
    'error-develop-dng-format': (['develop', 'in.dng', '--format', 'SRGGB10', '-o', 'out.png'],
                                 {'in.dng': 64}),
    'error-develop-jpeg-quality': (['develop', 'in.raw', '--format', 'SRGGB8', '--size', '64x48',
                                    '--jpeg-quality', '101', '-o', 'out.jpg'], {}),
}


def environment(virtual=None):
    env = dict(os.environ)
    # A deterministic simulated camera and default logging.
    for var in ('PINHOLE_VIRTUAL_CONFIG', 'PINHOLE_VIRTUAL', 'PINHOLE_LOG_LEVEL'):
        env.pop(var, None)
    if virtual:
        env['PINHOLE_VIRTUAL'] = virtual
    env['LC_ALL'] = 'C'
    return env


# PINHOLE_TEST_WRAPPER runs every pinhole command under a wrapper such as
# valgrind (see test/integration/meson.build); its own output goes to a log.
WRAPPER = os.environ.get('PINHOLE_TEST_WRAPPER', '').split()


def run(pinhole, args, virtual=None, cwd=None):
    return subprocess.run(WRAPPER + [pinhole] + args, capture_output=True, text=True,
                          env=environment(virtual), timeout=300 if WRAPPER else 60, cwd=cwd)


def render(proc):
    return 'exit: %d\n--- stdout\n%s--- stderr\n%s' % (proc.returncode, proc.stdout, proc.stderr)


class Failures:
    def __init__(self):
        self.names = []

    def fail(self, name, message):
        print('FAIL %s: %s' % (name, message))
        self.names.append(name)

    def ok(self, name):
        print('ok   %s' % name)


def golden_tests(pinhole, golden_dir, results):
    update = os.environ.get('PINHOLE_UPDATE_GOLDEN') == '1'
    cases = [(name, args, None, None) for name, args in GOLDEN_CASES.items()]
    cases += [(name, args, virtual, None) for name, (args, virtual) in GOLDEN_ENV_CASES.items()]
    cases += [(name, args, None, files) for name, (args, files) in DEVELOP_GOLDEN_CASES.items()]
    for name, args, virtual, files in cases:
        path = os.path.join(golden_dir, name + '.golden')
        command = '$ %spinhole %s\n' % ('PINHOLE_VIRTUAL=%s ' % virtual if virtual else '',
                                        ' '.join(args))
        if files is None:
            actual = command + render(run(pinhole, args, virtual))
        else:
            with tempfile.TemporaryDirectory(prefix='pinhole-cli-') as tmp:
                for f, size in files.items():
                    with open(os.path.join(tmp, f), 'wb') as out:
                        out.write(bytes(size))
                actual = command + render(run(pinhole, args, cwd=tmp))
        if update:
            with open(path, 'w') as f:
                f.write(actual)
            print('updated %s' % path)
            continue
        try:
            with open(path) as f:
                expected = f.read()
        except FileNotFoundError:
            results.fail(name, 'no golden file %s (run with PINHOLE_UPDATE_GOLDEN=1)' % path)
            continue
        if actual != expected:
            diff = difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                        'expected', 'actual')
            results.fail(name, 'output differs from %s:\n%s' % (path, ''.join(diff)))
        else:
            results.ok(name)


def read_png(path):
    """Return (width, height, bit_depth, colour_type, raw scanlines) of a PNG."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise ValueError('no PNG signature')
    pos, ihdr, idat = 8, None, b''
    while pos < len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc, = struct.unpack('>I', data[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise ValueError('bad CRC in %r chunk' % kind)
        if kind == b'IHDR':
            ihdr = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT':
            idat += body
        elif kind == b'IEND':
            break
        pos += 12 + length
    if ihdr is None:
        raise ValueError('no IHDR')
    width, height, depth, colour = ihdr[:4]
    pixels = zlib.decompress(idat)
    channels = {0: 1, 2: 3}[colour]
    row = 1 + width * channels * depth // 8
    if len(pixels) != row * height:
        raise ValueError('image data holds %d bytes, expected %d' % (len(pixels), row * height))
    return width, height, depth, colour, pixels


def png_pixels(path):
    """Return (width, height, bit_depth, channels, rows): rows of unfiltered samples."""
    width, height, depth, colour, data = read_png(path)
    channels = {0: 1, 2: 3}[colour]
    bpp = channels * depth // 8
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind = data[y * (stride + 1)]
        line = bytearray(data[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            elif kind != 0:
                raise ValueError('unknown PNG filter %d' % kind)
        prev = line
        if depth == 16:
            rows.append(list(struct.unpack('>%dH' % (stride // 2), bytes(line))))
        else:
            rows.append(list(line))
    return width, height, depth, channels, rows


# The develop round trip: a synthetic sRGB image of flat patches, its RGGB mosaic.
DEV_W, DEV_H, DEV_PATCH = 64, 48, 16


def synthetic_image():
    """Rows of [r, g, b, r, g, b, ...] 8-bit values: 4 x 3 patches of flat colours."""
    colours = [(255, 255, 255), (0, 0, 0), (128, 128, 128), (200, 40, 30),
               (30, 180, 60), (20, 60, 220), (240, 220, 30), (200, 40, 200),
               (40, 200, 210), (90, 60, 40), (250, 150, 120), (64, 32, 16)]
    rows = []
    for y in range(DEV_H):
        row = []
        for x in range(DEV_W):
            row.extend(colours[(y // DEV_PATCH) * (DEV_W // DEV_PATCH) + x // DEV_PATCH])
        rows.append(row)
    return rows


def mosaic(image, maximum, black=0):
    """The RGGB mosaic of an 8-bit image at 0..maximum, with a black level: rows of values."""
    out = []
    for y, row in enumerate(image):
        line = []
        for x in range(DEV_W):
            channel = (y & 1) + (x & 1)  # R at (0,0), G at (0,1) and (1,0), B at (1,1)
            v = row[3 * x + channel]
            line.append(black + (v * (maximum - black) + 127) // 255)
        out.append(line)
    return out


def pack_raw8(rows, stride):
    return b''.join(bytes(r) + bytes(stride - len(r)) for r in rows)


def pack_csi2_10(rows):
    """MIPI CSI-2 10-bit packing (doc/virtual-camera.md): 4 pixels in 5 bytes."""
    out = bytearray()
    for r in rows:
        r = r + [0] * (-len(r) % 4)
        for i in range(0, len(r), 4):
            g = r[i:i + 4]
            out += bytes(v >> 2 for v in g)
            out.append(sum((v & 3) << (2 * k) for k, v in enumerate(g)))
    return bytes(out)


def compare_flat(image, rows, scale, tolerance):
    """Largest difference inside the patches (3 pixels off their edges), or an error string."""
    worst = 0
    for y in range(DEV_H):
        if not 3 <= y % DEV_PATCH < DEV_PATCH - 3:
            continue
        for x in range(DEV_W):
            if not 3 <= x % DEV_PATCH < DEV_PATCH - 3:
                continue
            for c in range(3):
                d = abs(rows[y][3 * x + c] / scale - image[y][3 * x + c])
                if d > tolerance:
                    return 'pixel %d,%d channel %d is %g, expected %d' % (
                        x, y, c, rows[y][3 * x + c] / scale, image[y][3 * x + c])
                worst = max(worst, d)
    return worst


def develop_tests(pinhole, results):
    image = synthetic_image()
    raw8 = mosaic(image, 255)
    raw10 = mosaic(image, 1023)
    size = '%dx%d' % (DEV_W, DEV_H)
    # name: (raw bytes, format, extra options, output, 8-bit scale of the output)
    cases = {
        'develop-raw8': (pack_raw8(raw8, DEV_W), 'SRGGB8', [], 'out.png', 1),
        'develop-raw8-fast': (pack_raw8(raw8, DEV_W), 'SRGGB8', ['--quality', 'fast'],
                              'out.png', 1),
        'develop-raw8-stride': (pack_raw8(raw8, DEV_W + 16), 'SRGGB8',
                                ['--stride', str(DEV_W + 16), '--threads', '2'], 'out.png', 1),
        'develop-csi2p10': (pack_csi2_10(raw10), 'SRGGB10_CSI2P', [], 'out.png', 1),
        'develop-csi2p10-fast': (pack_csi2_10(raw10), 'SRGGB10_CSI2P', ['--quality', 'fast'],
                                 'out.png', 1),
        'develop-csi2p10-depth16': (pack_csi2_10(raw10), 'SRGGB10_CSI2P', ['--depth', '16'],
                                    'out.png', 257),
        'develop-csi2p10-black-level': (pack_csi2_10(mosaic(image, 1023, 64)), 'SRGGB10_CSI2P',
                                        ['--black-level', '64'], 'out.png', 1),
        'develop-ppm': (pack_raw8(raw8, DEV_W), 'SRGGB8', [], 'out.ppm', 1),
    }
    for name, (data, fmt, extra, output, scale) in cases.items():
        with tempfile.TemporaryDirectory(prefix='pinhole-cli-') as tmp:
            raw_path, out_path = os.path.join(tmp, 'in.raw'), os.path.join(tmp, output)
            with open(raw_path, 'wb') as f:
                f.write(data)
            proc = run(pinhole, ['develop', raw_path, '--format', fmt, '--size', size,
                                 '-o', out_path] + extra)
            if proc.returncode != 0:
                results.fail(name, 'exit %d: %s' % (proc.returncode, proc.stderr))
                continue
            try:
                if output.endswith('.ppm'):
                    with open(out_path, 'rb') as f:
                        ppm = f.read()
                    header = b'P6\n%d %d\n255\n' % (DEV_W, DEV_H)
                    if not ppm.startswith(header) or len(ppm) != len(header) + DEV_W * DEV_H * 3:
                        raise ValueError('not a %dx%d 8-bit PPM' % (DEV_W, DEV_H))
                    body = ppm[len(header):]
                    w, h, depth = DEV_W, DEV_H, 8
                    rows = [list(body[y * DEV_W * 3:(y + 1) * DEV_W * 3]) for y in range(DEV_H)]
                else:
                    w, h, depth, _, rows = png_pixels(out_path)
            except (ValueError, KeyError, zlib.error, struct.error, OSError) as e:
                results.fail(name, '%s does not decode: %s' % (output, e))
                continue
            want_depth = 16 if scale > 1 else 8
            if (w, h, depth) != (DEV_W, DEV_H, want_depth):
                results.fail(name, '%dx%d %d bits, expected %dx%d %d bits'
                             % (w, h, depth, DEV_W, DEV_H, want_depth))
                continue
            # Identity stages: the patches come back within 2 levels.
            worst = compare_flat(image, rows, scale, 2.0)
            if isinstance(worst, str):
                results.fail(name, worst)
            else:
                results.ok(name)


def check_pngs(name, directory, pattern_prefix, count, width, height, depth, results):
    files = sorted(f for f in os.listdir(directory) if f.startswith(pattern_prefix))
    if len(files) != count:
        results.fail(name, 'expected %d files, found %s' % (count, files))
        return False
    for f in files:
        try:
            w, h, d, _, _ = read_png(os.path.join(directory, f))
        except (ValueError, KeyError, zlib.error, struct.error) as e:
            results.fail(name, '%s does not decode: %s' % (f, e))
            return False
        if (w, h, d) != (width, height, depth):
            results.fail(name, '%s is %dx%d, %d bits; expected %dx%d, %d bits'
                         % (f, w, h, d, width, height, depth))
            return False
    return True


def capture_tests(pinhole, results):
    with tempfile.TemporaryDirectory(prefix='pinhole-cli-') as tmp:
        for fmt in ('NV12', 'RGB888'):
            name = 'capture-png-' + fmt.lower()
            prefix = 'frame-%s-' % fmt.lower()
            proc = run(pinhole, ['capture', 'virtual', '--frames', '5', '--quiet',
                                 '--stream', 'role=viewfinder,width=320,height=240,format=' + fmt,
                                 '--output', os.path.join(tmp, prefix + '#.png')])
            if proc.returncode != 0:
                results.fail(name, 'exit %d: %s' % (proc.returncode, proc.stderr))
            elif check_pngs(name, tmp, prefix, 5, 320, 240, 8, results):
                if prefix + '000000.png' not in os.listdir(tmp):
                    results.fail(name, 'no %s000000.png: %s' % (prefix, os.listdir(tmp)))
                elif '5 frames captured, 0 dropped' not in proc.stdout:
                    results.fail(name, 'unexpected summary: %r' % proc.stdout)
                else:
                    results.ok(name)

        # Every processed format the ISP writes, decoded to RGB, shows the
        # same picture: a still scene without noise, each colour space as
        # validation chose it (stills full-range BT.601, video BT.709).
        still = 'noise=false,object-speed=0,width=320,height=240'
        # Stills use the HQ demosaic, so they have their own RGB888 reference.
        references = {}
        for role, fmt in (('video', 'RGB888'), ('still', 'RGB888'), ('video', 'BGR888'), ('video', 'XRGB8888'),
                          ('video', 'XBGR8888'), ('video', 'RGB565'), ('video', 'NV12'),
                          ('video', 'NV21'), ('video', 'YUV420'), ('video', 'YUYV'),
                          ('video', 'UYVY'), ('still', 'NV12'), ('viewfinder', 'YUYV')):
            name = 'capture-decode-%s-%s' % (role, fmt.lower())
            path = os.path.join(tmp, 'fmt-%s-%s.png' % (role, fmt))
            proc = run(pinhole, ['capture', 'virtual', '--frames', '1', '--quiet', '--stream',
                                 'role=%s,format=%s' % (role, fmt), '--output', path],
                       virtual=still)
            if proc.returncode != 0 or proc.stderr:
                results.fail(name, 'exit %d: %s' % (proc.returncode, proc.stderr))
                continue
            rows = png_pixels(path)[4]
            reference = references.setdefault(role == 'still', rows)
            # 4:2:0/4:2:2 chroma and RGB565 lose detail at edges: compare means.
            diff = sum(abs(a - b) for ra, rb in zip(rows, reference) for a, b in zip(ra, rb))
            mean = diff / (len(reference) * len(reference[0]))
            if mean > 2.5:
                results.fail(name, 'differs from RGB888 by %.2f levels on average' % mean)
            else:
                results.ok(name)

        name = 'capture-raw-and-rgb'
        proc = run(pinhole, ['capture', 'virtual', '--frames', '2', '--quiet',
                             '--stream', 'role=raw', '--stream', 'size=960x540,format=YUYV',
                             '--output', os.path.join(tmp, 'two-#.png')])
        if proc.returncode != 0:
            results.fail(name, 'exit %d: %s' % (proc.returncode, proc.stderr))
        else:
            raw = sorted(f for f in os.listdir(tmp) if f.startswith('two-') and '-s1' not in f)
            rgb = sorted(f for f in os.listdir(tmp) if f.startswith('two-') and '-s1' in f)
            try:
                shapes = [read_png(os.path.join(tmp, f))[:3] for f in raw + rgb]
            except (ValueError, KeyError, zlib.error, struct.error) as e:
                results.fail(name, 'a PNG does not decode: %s' % e)
            else:
                if len(raw) != 2 or len(rgb) != 2:
                    results.fail(name, 'files: %s' % sorted(os.listdir(tmp)))
                elif any(s[2] != 16 for s in shapes[:2]) or any(s[:3] != (960, 540, 8)
                                                                 for s in shapes[2:]):
                    results.fail(name, 'unexpected shapes %s' % shapes)
                else:
                    results.ok(name)

        for ext, magic in (('ppm', b'P6\n'), ('raw', None)):
            name = 'capture-' + ext
            path = os.path.join(tmp, 'one.' + ext)
            proc = run(pinhole, ['capture', 'virtual', '--frames', '1', '--quiet',
                                 '--stream', 'size=64x64,format=RGB888', '--output', path])
            if proc.returncode != 0 or not os.path.exists(path):
                results.fail(name, 'exit %d: %s' % (proc.returncode, proc.stderr))
                continue
            with open(path, 'rb') as f:
                data = f.read()
            expected = (len(b'P6\n64 64\n255\n') if magic else 0) + 64 * 64 * 3
            if (magic and not data.startswith(magic)) or len(data) < expected:
                results.fail(name, '%s holds %d bytes, expected %d' % (path, len(data), expected))
            else:
                results.ok(name)

    # JPEG from every path of the writer (RGB as is, JFIF YUV planes, 4:2:2,
    # converted), DNG from packed raw, and one --output per stream. The
    # decoders' checks are in test/integration/stills; here the files must
    # exist and start right (this also runs the writers under valgrind).
    small = 'width=320,height=240'
    with tempfile.TemporaryDirectory(prefix='pinhole-cli-') as tmp:
        cases = [('capture-jpeg-' + f.lower(), ['--stream', 'role=still,format=' + f],
                  ['one-%s.jpg' % f], [b'\xff\xd8\xff'])
                 for f in ('RGB888', 'NV12', 'YUYV', 'RGB565')]
        cases.append(('capture-dng-raw10-packed', ['--stream', 'role=raw,format=SRGGB10_CSI2P'],
                      ['one.dng'], [b'II*\x00']))
        cases.append(('capture-dng-and-jpeg', ['--stream', 'role=raw', '--stream', 'role=still',
                                               '--jpeg-quality', '75'],
                      ['two.dng', 'two.jpg'], [b'II*\x00', b'\xff\xd8\xff']))
        for name, streams, outputs, magics in cases:
            args = ['capture', 'virtual', '--frames', '1', '--quiet'] + streams
            for o in outputs:
                args += ['--output', os.path.join(tmp, o)]
            proc = run(pinhole, args, virtual=small)
            if proc.returncode != 0 or proc.stderr:
                results.fail(name, 'exit %d: %s' % (proc.returncode, proc.stderr))
                continue
            bad = []
            for o, magic in zip(outputs, magics):
                try:
                    with open(os.path.join(tmp, o), 'rb') as f:
                        head = f.read(len(magic))
                except OSError as e:
                    head = str(e).encode()
                if head != magic:
                    bad.append('%s starts %r' % (o, head))
            if bad:
                results.fail(name, ', '.join(bad))
            else:
                results.ok(name)

        # develop reads the DNG back (the reader under valgrind too).
        name = 'develop-dng'
        out = os.path.join(tmp, 'developed.png')
        proc = run(pinhole, ['develop', os.path.join(tmp, 'one.dng'), '--gamma', '-o', out])
        try:
            shape = read_png(out)[:3] if proc.returncode == 0 else proc.stderr
        except (ValueError, KeyError, zlib.error, struct.error, OSError) as e:
            shape = str(e)
        if shape != (320, 240, 8):
            results.fail(name, 'exit %d, %s' % (proc.returncode, shape))
        else:
            results.ok(name)

    # The CSI-2 unpacker against the library's unpacked output of the same frame
    # (a flat scene: the chart's moving object depends on the time).
    for depth in (10, 12):
        name = 'capture-raw%d-packed' % depth
        virtual = 'bit-depth=%d,width=640,height=480,scene=flat' % depth
        images = []
        with tempfile.TemporaryDirectory(prefix='pinhole-cli-') as tmp:
            for fmt in ('SRGGB%d' % depth, 'SRGGB%d_CSI2P' % depth):
                path = os.path.join(tmp, fmt + '.png')
                proc = run(pinhole, ['capture', 'virtual', '--frames', '1', '--quiet',
                                     '--stream', 'role=raw,format=' + fmt, '--output', path],
                           virtual)
                try:
                    images.append(read_png(path) if proc.returncode == 0 else proc.stderr)
                except (ValueError, KeyError, zlib.error, struct.error, OSError) as e:
                    images.append(str(e))
        if any(isinstance(i, str) for i in images):
            results.fail(name, 'capture failed: %s' % [i for i in images if isinstance(i, str)])
        elif images[0][:3] != (640, 480, 16) or images[0] != images[1]:
            results.fail(name, 'packed and unpacked frames differ')
        else:
            results.ok(name)

    name = 'capture-metadata'
    proc = run(pinhole, ['capture', 'virtual', '--frames', '5', '--metadata'])
    lines = [l for l in proc.stdout.splitlines() if l.startswith('seq=')]
    if proc.returncode != 0:
        results.fail(name, 'exit %d: %s' % (proc.returncode, proc.stderr))
    elif len(lines) != 5 or not all(' ExposureTime=' in l and ' ts=' in l for l in lines):
        results.fail(name, 'expected 5 metadata lines with ExposureTime:\n%s' % proc.stdout)
    else:
        results.ok(name)

    name = 'capture-control'
    proc = run(pinhole, ['capture', 'virtual', '--frames', '6', '--metadata',
                         '--control', 'ExposureTime=20000', '--control', 'AnalogueGain=2'])
    lines = [l for l in proc.stdout.splitlines() if l.startswith('seq=')]
    last = dict(kv.split('=', 1) for kv in lines[-1].split()) if lines else {}
    if proc.returncode != 0:
        results.fail(name, 'exit %d: %s' % (proc.returncode, proc.stderr))
    # The sensor quantises the exposure to whole lines: allow 1%.
    elif (abs(int(last.get('ExposureTime', '0')) - 20000) > 200
          or float(last.get('AnalogueGain', '0')) != 2.0):
        results.fail(name, 'controls not applied by the last frame:\n%s' % proc.stdout)
    else:
        results.ok(name)


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    # Absolute: the develop cases run pinhole from a temporary directory.
    pinhole, golden_dir = os.path.abspath(sys.argv[1]), sys.argv[2]
    results = Failures()
    golden_tests(pinhole, golden_dir, results)
    capture_tests(pinhole, results)
    develop_tests(pinhole, results)
    if results.names:
        print('%d failed: %s' % (len(results.names), ', '.join(results.names)))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
