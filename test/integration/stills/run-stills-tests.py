#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Still formats read back by independent decoders.

Usage: run-stills-tests.py PINHOLE

DNG: for every raw variant the simulated camera offers (10/12 bits, unpacked
and CSI-2 packed, the four Bayer orders, an IPA with a real colour matrix),
one request captures the raw stream as DNG and the still stream as PPM.
LibRaw's raw-identify and exiftool must read back the size, CFA pattern,
black and white levels, AsShotNeutral, exposure time and ISO that the
request's metadata reports; ColorMatrix1 must be the derivation of
doc/stills.md from the metadata's ColourCorrectionMatrix and ColourGains;
LibRaw's dcraw_emu, developing the DNG with the as-shot white balance into
sRGB, must give the picture Pinhole's ISP gave (PSNR and channel means);
the preview (IFD0) must be a small picture of the same frame; and
'pinhole develop FILE.dng' must give the still back.

JPEG: every processed format, decoded by libjpeg-turbo's djpeg, has the
expected size and is close to the PPM of the same frame.
"""

import math
import os
import shutil
import subprocess
import sys
import tempfile

# PSNR of dcraw_emu's development against the ISP's still. The two share the
# raw data, black level, white level, gains, matrix and transfer curve, and
# differ in demosaicing (LibRaw's AHD against Pinhole's HQ), in the noise
# each demosaic leaves at edges and in rounding: 40-42 dB when written.
# Measured on the same frame, red and blue gains swapped give 30 dB, no
# white balance 22 dB, twice the brightness 16 dB.
DNG_MIN_PSNR = 38.0
# Mean of each channel, 8-bit levels: the colour and brightness rendition.
# Measured within 0.3 levels; a red gain 2% off moves the red mean 1 level
# (and PSNR only 0.3 dB), so this catches what PSNR alone would not.
DNG_MAX_MEAN_DIFF = 0.8
# The preview against the still, per channel mean: the ISP develops it from
# block means, so it matches the still's means up to the tone curve's
# non-linearity over each block.
PREVIEW_MAX_MEAN_DIFF = 4.0
# JPEG at the default quality 90 against the lossless PPM of the same frame:
# 36-43 dB when written; 4:2:0 chroma costs most of it at colour edges.
JPEG_MIN_PSNR = 33.0

SIZE = (640, 480)
# The chart, still (no moving object): two captures of it are the same frame.
STILL_SCENE = 'width=%d,height=%d,object-speed=0' % SIZE

RAW_VARIANTS = [
    # name, PINHOLE_VIRTUAL, raw format
    ('rggb10', '', 'SRGGB10'),
    ('rggb10-packed', '', 'SRGGB10_CSI2P'),
    ('grbg12-packed', 'bayer=GRBG,bit-depth=12', 'SGRBG12_CSI2P'),
    ('gbrg12', 'bayer=GBRG,bit-depth=12,black-level=256', 'SGBRG12'),
    ('bggr10-packed', 'bayer=BGGR', 'SBGGR10_CSI2P'),
    # A tuned sensor: a real colour matrix under tungsten light.
    ('imx219-tungsten', 'model=imx219,colour-temperature=3000', 'SRGGB10'),
]

# Linear sRGB to XYZ (D65), as dng_writer.c uses it.
SRGB_TO_XYZ = [[0.4124564, 0.3575761, 0.1804375],
               [0.2126729, 0.7151522, 0.0721750],
               [0.0193339, 0.1191920, 0.9503041]]


class Failures:
    def __init__(self):
        self.names = []

    def fail(self, name, message):
        print('FAIL %s: %s' % (name, message))
        self.names.append(name)

    def ok(self, name, detail=''):
        print('ok   %s%s' % (name, ' (%s)' % detail if detail else ''))


def environment(virtual):
    env = dict(os.environ)
    for var in ('PINHOLE_VIRTUAL_CONFIG', 'PINHOLE_VIRTUAL', 'PINHOLE_LOG_LEVEL'):
        env.pop(var, None)
    env['PINHOLE_VIRTUAL'] = virtual
    env['LC_ALL'] = 'C'
    return env


def run(args, virtual='', cwd=None):
    return subprocess.run(args, capture_output=True, text=True, env=environment(virtual),
                          timeout=120, cwd=cwd)


def read_ppm(path):
    """(width, height, bytes) of an 8-bit binary PPM."""
    with open(path, 'rb') as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b'#':
            pos = data.index(b'\n', pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b'P6' or fields[3] != b'255':
        raise ValueError('%s is not an 8-bit P6 PPM' % path)
    width, height = int(fields[1]), int(fields[2])
    body = data[pos + 1:pos + 1 + width * height * 3]
    if len(body) != width * height * 3:
        raise ValueError('%s is short' % path)
    return width, height, body


def psnr(a, b):
    mse = sum((x - y) * (x - y) for x, y in zip(a, b)) / len(a)
    return 99.0 if mse == 0 else 10 * math.log10(255 * 255 / mse)


def channel_means(pixels):
    n = len(pixels) // 3
    return [sum(pixels[c::3]) / n for c in range(3)]


def parse_metadata(stdout):
    """The key=value pairs of the first 'seq=' line."""
    for line in stdout.splitlines():
        if line.startswith('seq='):
            return dict(kv.split('=', 1) for kv in line.split())
    raise ValueError('no metadata line in %r' % stdout)


def floats(text):
    return [float(v) for v in text.replace(',', ' ').split()]


def mat_mul(a, b):
    return [[sum(a[i][k] * b[k][j] for k in range(3)) for j in range(3)] for i in range(3)]


def mat_inv(m):
    (a, b, c), (d, e, f), (g, h, i) = m
    det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    return [[(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
            [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
            [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det]]


def expected_colour_matrix(ccm, gains):
    """XYZ to camera: diag(1/gr, 1, 1/gb) * CCM^-1 * (sRGB to XYZ)^-1, D65 white's max = 1."""
    m = mat_mul(mat_inv([ccm[0:3], ccm[3:6], ccm[6:9]]), mat_inv(SRGB_TO_XYZ))
    g = [gains[0], 1.0, gains[1]]
    m = [[v / g[i] for v in row] for i, row in enumerate(m)]
    white = [sum(row) for row in SRGB_TO_XYZ]
    top = max(sum(m[i][j] * white[j] for j in range(3)) for i in range(3))
    return [v / top for row in m for v in row]


def exif_fields(path):
    """exiftool's numeric values as {group:tag: text}."""
    proc = run(['exiftool', '-a', '-n', '-G1', '-s', path])
    fields = {}
    for line in proc.stdout.splitlines():
        if ':' in line and line.startswith('['):
            key, _, value = line.partition(':')
            group, _, tag = key.strip().partition(']')
            fields['%s:%s' % (group.strip('[ '), tag.strip())] = value.strip()
    return fields


def check_dng(name, pinhole, virtual, fmt, tmp, results):
    order = fmt[1:5]
    depth = int(fmt[5:7])
    dng, still = os.path.join(tmp, name + '.dng'), os.path.join(tmp, name + '.ppm')
    # Manual exposure and gain (ISO 200), applied from the first frame.
    proc = run([pinhole, 'capture', 'virtual', '--frames', '1', '--quiet', '--metadata',
                '--control', 'ExposureTime=5000', '--control', 'AnalogueGain=2',
                '--stream', 'role=raw,format=' + fmt, '--stream', 'role=still,format=RGB888',
                '--output', dng, '--output', still],
               virtual=STILL_SCENE + (',' + virtual if virtual else ''))
    if proc.returncode != 0 or proc.stderr:
        results.fail(name, 'capture: exit %d: %s' % (proc.returncode, proc.stderr))
        return
    md = parse_metadata(proc.stdout)
    gains = floats(md['ColourGains'])
    ccm = floats(md['ColourCorrectionMatrix'])
    black16 = [int(v) for v in md['SensorBlackLevels'].split(',')]
    black = [b / (1 << (16 - depth)) for b in black16]
    white = (1 << depth) - 1
    exposure_us, gain = int(md['ExposureTime']), float(md['AnalogueGain'])
    problems = []

    def expect(what, got, want, tolerance=0.0):
        if isinstance(want, (int, float)) and not isinstance(want, bool):
            try:
                bad = abs(float(got) - want) > tolerance
            except (TypeError, ValueError):
                bad = True
        else:
            bad = got != want
        if bad:
            problems.append('%s is %r, expected %r' % (what, got, want))

    # LibRaw.
    ident = run(['raw-identify', '-v', dng]).stdout
    info = {}
    for line in ident.splitlines():
        key, sep, value = line.strip().partition(':')
        if sep and key not in info:
            info[key] = value.strip()
    expect('raw-identify full size', ' '.join(info.get('Full size', '').split()),
           '%d x %d' % SIZE)
    expect('raw-identify filter pattern', info.get('Filter pattern', '')[:4], order)
    expect('raw-identify black levels', info.get('cblack[6 .. 9]', '').split(),
           ['%g' % b for b in black])
    expect('raw-identify ISO', info.get('ISO speed'), '%g' % (100 * gain))
    expect('raw-identify shutter', info.get('Shutter'), '1/%.1f' % (1e6 / exposure_us))
    expect('raw-identify DNG version', info.get('DNG Version'), '1.4.0.0')
    as_shot = [line.split()[2:5] for line in ident.splitlines()
               if line.strip().startswith('As shot')]
    if not as_shot:
        problems.append('raw-identify shows no as-shot white balance')
    else:
        for got, want in zip(as_shot[0], [gains[0], 1.0, gains[1]]):
            expect('raw-identify as-shot multiplier', got, want, 1e-4 * want)

    # exiftool.
    tags = exif_fields(dng)
    expect('IFD0 SubfileType', tags.get('IFD0:SubfileType'), '1')
    expect('IFD0 BitsPerSample', tags.get('IFD0:BitsPerSample'), '8 8 8')
    preview = (int(tags.get('IFD0:ImageWidth', 0)), int(tags.get('IFD0:ImageHeight', 0)))
    if not (0 < preview[0] <= 256 and 0 < preview[1] <= 256):
        problems.append('preview is %dx%d' % preview)
    expect('SubIFD SubfileType', tags.get('SubIFD:SubfileType'), '0')
    expect('SubIFD size', (tags.get('SubIFD:ImageWidth'), tags.get('SubIFD:ImageHeight')),
           (str(SIZE[0]), str(SIZE[1])))
    expect('SubIFD BitsPerSample', tags.get('SubIFD:BitsPerSample'), '16')
    expect('CFARepeatPatternDim', tags.get('SubIFD:CFARepeatPatternDim'), '2 2')
    expect('CFAPattern2', tags.get('SubIFD:CFAPattern2'), ' '.join(str('RGB'.index(c))
                                                                    for c in order))
    expect('CFAPlaneColor', tags.get('SubIFD:CFAPlaneColor'), '0 1 2')
    expect('BlackLevelRepeatDim', tags.get('SubIFD:BlackLevelRepeatDim'), '2 2')
    got_black = floats(tags.get('SubIFD:BlackLevel', ''))
    if len(got_black) != 4 or any(abs(a - b) > 1e-3 for a, b in zip(got_black, black)):
        problems.append('BlackLevel is %r, expected %r' % (got_black, black))
    expect('WhiteLevel', tags.get('SubIFD:WhiteLevel'), str(white))
    neutral = floats(tags.get('IFD0:AsShotNeutral', ''))
    for got, want in zip(neutral or [0] * 3, [1 / gains[0], 1.0, 1 / gains[1]]):
        expect('AsShotNeutral', got, want, 1e-4)
    expect('ExposureTime', tags.get('ExifIFD:ExposureTime'), exposure_us / 1e6, 1e-8)
    expect('ISO', tags.get('ExifIFD:ISO'), 100 * gain)
    expect('UniqueCameraModel', tags.get('IFD0:UniqueCameraModel'),
           'imx219' if 'imx219' in virtual else 'pinhole-sim')
    matrix = floats(tags.get('IFD0:ColorMatrix1', ''))
    want_matrix = expected_colour_matrix(ccm, gains)
    if len(matrix) != 9 or any(abs(a - b) > 1e-4 for a, b in zip(matrix, want_matrix)):
        problems.append('ColorMatrix1 is %r, expected %r' % (matrix, want_matrix))
    if problems:
        results.fail(name, '; '.join(problems))
        return

    # LibRaw develops it: as-shot white balance (-w), sRGB (-o 1), the sRGB
    # curve (-g 2.4 12.92), no auto-brightening (-W), the file's white level
    # rather than the frame's brightest pixel (-c 0), AHD demosaic (-q 3).
    proc = run(['dcraw_emu', '-w', '-o', '1', '-W', '-c', '0', '-g', '2.4', '12.92',
                '-q', '3', dng])
    if proc.returncode != 0:
        results.fail(name, 'dcraw_emu: exit %d: %s' % (proc.returncode, proc.stderr))
        return
    try:
        w, h, libraw = read_ppm(dng + '.ppm')
        sw, sh, isp = read_ppm(still)
    except (OSError, ValueError, IndexError) as e:
        results.fail(name, 'cannot read the developed images: %s' % e)
        return
    if (w, h) != SIZE or (sw, sh) != SIZE:
        results.fail(name, 'dcraw_emu gave %dx%d, the ISP %dx%d' % (w, h, sw, sh))
        return
    quality = psnr(libraw, isp)
    means = [abs(a - b) for a, b in zip(channel_means(libraw), channel_means(isp))]
    if quality < DNG_MIN_PSNR or max(means) > DNG_MAX_MEAN_DIFF:
        results.fail(name, 'dcraw_emu against the ISP: PSNR %.2f dB (at least %.1f), '
                     'channel means differ by %s (at most %.1f)'
                     % (quality, DNG_MIN_PSNR, ['%.2f' % m for m in means],
                        DNG_MAX_MEAN_DIFF))
        return

    # The preview, extracted by LibRaw.
    proc = run(['simple_dcraw', '-e', dng])
    try:
        pw, ph, thumb = read_ppm(dng + '.thumb.ppm')
    except (OSError, ValueError, IndexError) as e:
        results.fail(name, 'no preview from simple_dcraw -e: %s %s' % (e, proc.stderr))
        return
    preview_means = [abs(a - b) for a, b in zip(channel_means(thumb), channel_means(isp))]
    if (pw, ph) != preview or max(preview_means) > PREVIEW_MAX_MEAN_DIFF:
        results.fail(name, 'preview %dx%d (IFD0 says %dx%d), channel means differ from the '
                     'still by %s' % (pw, ph, preview[0], preview[1],
                                      ['%.2f' % m for m in preview_means]))
        return
    # Pinhole develops its own DNG: black level, white level, gains and
    # CCM (back from ColorMatrix1) from the file, the sRGB curve, the HQ
    # demosaic, as the still stream had. The CCM makes a round trip through
    # rationals, so allow one level where a value lands on a rounding edge.
    developed = os.path.join(tmp, name + '-developed.ppm')
    proc = run([pinhole, 'develop', dng, '--gamma', '--output', developed])
    try:
        dw, dh, own = read_ppm(developed)
    except (OSError, ValueError, IndexError) as e:
        results.fail(name, 'pinhole develop: %s %s' % (e, proc.stderr))
        return
    worst = max(abs(a - b) for a, b in zip(own, isp)) if (dw, dh) == SIZE else 255
    if worst > 1:
        results.fail(name, 'pinhole develop of the DNG differs from the still by up to %d '
                     'levels' % worst)
        return
    results.ok(name, 'PSNR %.2f dB, means within %.2f, preview %dx%d, %d bytes, '
               'develop round trip within %d' % (quality, max(means), pw, ph,
                                                  os.path.getsize(dng), worst))


def jpeg_tests(pinhole, tmp, results):
    cases = [('still', f) for f in ('RGB888', 'BGR888', 'XRGB8888', 'XBGR8888', 'RGB565',
                                    'RGB48', 'NV12', 'NV21', 'YUV420', 'YUYV', 'UYVY')]
    cases += [('video', 'NV12'), ('video', 'YUYV')]  # BT.709 limited range: through RGB
    virtual = STILL_SCENE + ',noise=false'
    for role, fmt in cases:
        name = 'jpeg-%s-%s' % (role, fmt.lower())
        jpeg = os.path.join(tmp, name + '.jpg')
        ppm = os.path.join(tmp, name + '.ppm')
        stream = ['--stream', 'role=%s,format=%s' % (role, fmt)]
        # RGB48 has no 8-bit PPM: its reference is the RGB888 frame.
        ref_stream = ['--stream', 'role=%s,format=%s' % (role, 'RGB888' if fmt == 'RGB48'
                                                          else fmt)]
        procs = [run([pinhole, 'capture', 'virtual', '--frames', '1', '--quiet'] + s +
                     ['--output', out], virtual)
                 for s, out in ((stream, jpeg), (ref_stream, ppm))]
        if any(p.returncode != 0 or p.stderr for p in procs):
            results.fail(name, 'capture: %s' % [p.stderr for p in procs])
            continue
        decoded = os.path.join(tmp, name + '-djpeg.ppm')
        proc = run(['djpeg', '-ppm', '-outfile', decoded, jpeg])
        try:
            w, h, pixels = read_ppm(decoded)
            rw, rh, reference = read_ppm(ppm)
        except (OSError, ValueError, IndexError) as e:
            results.fail(name, 'djpeg: %s %s' % (e, proc.stderr))
            continue
        quality = psnr(pixels, reference)
        if (w, h) != SIZE or (rw, rh) != SIZE or quality < JPEG_MIN_PSNR:
            results.fail(name, '%dx%d, PSNR %.2f dB against the PPM (at least %.1f)'
                         % (w, h, quality, JPEG_MIN_PSNR))
        else:
            results.ok(name, 'PSNR %.2f dB, %d bytes' % (quality, os.path.getsize(jpeg)))

    # The quality option: lower quality, smaller file, lower fidelity.
    name = 'jpeg-quality'
    sizes, fidelity = {}, {}
    for q in (50, 95):
        jpeg = os.path.join(tmp, 'q%d.jpg' % q)
        proc = run([pinhole, 'capture', 'virtual', '--frames', '1', '--quiet', '--stream',
                    'role=still,format=RGB888', '--jpeg-quality', str(q), '--output', jpeg],
                   virtual)
        decoded = jpeg + '.ppm'
        run(['djpeg', '-ppm', '-outfile', decoded, jpeg])
        try:
            sizes[q] = os.path.getsize(jpeg)
            fidelity[q] = psnr(read_ppm(decoded)[2],
                               read_ppm(os.path.join(tmp, 'jpeg-still-rgb888.ppm'))[2])
        except (OSError, ValueError, IndexError) as e:
            results.fail(name, 'quality %d: %s %s' % (q, e, proc.stderr))
            return
    if not (sizes[50] < sizes[95] and fidelity[50] < fidelity[95]):
        results.fail(name, 'sizes %s, PSNR %s' % (sizes, fidelity))
    else:
        results.ok(name, 'q50 %d bytes %.1f dB, q95 %d bytes %.1f dB'
                   % (sizes[50], fidelity[50], sizes[95], fidelity[95]))

    # develop writes JPEG too.
    name = 'jpeg-develop'
    raw = os.path.join(tmp, 'dev.raw')
    proc = run([pinhole, 'capture', 'virtual', '--frames', '1', '--quiet', '--stream',
                'role=raw,format=SRGGB10', '--output', raw], virtual)
    out = os.path.join(tmp, 'dev.jpg')
    proc2 = run([pinhole, 'develop', raw, '--format', 'SRGGB10', '--size', '%dx%d' % SIZE,
                 '--black-level', '64', '--gains', '1.53,1.81', '--gamma', '-o', out])
    run(['djpeg', '-ppm', '-outfile', out + '.ppm', out])
    try:
        w, h, _ = read_ppm(out + '.ppm')
    except (OSError, ValueError, IndexError) as e:
        results.fail(name, '%s %s %s' % (e, proc.stderr, proc2.stderr))
        return
    if (w, h) != SIZE:
        results.fail(name, 'decoded to %dx%d' % (w, h))
    else:
        results.ok(name)


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    for tool in ('raw-identify', 'dcraw_emu', 'simple_dcraw', 'exiftool', 'djpeg'):
        if not shutil.which(tool):
            print('SKIP: %s is not installed (scripts/setup.sh installs it)' % tool)
            return 77
    pinhole = os.path.abspath(sys.argv[1])
    results = Failures()
    with tempfile.TemporaryDirectory(prefix='pinhole-stills-') as tmp:
        for name, virtual, fmt in RAW_VARIANTS:
            check_dng('dng-' + name, pinhole, virtual, fmt, tmp, results)
        jpeg_tests(pinhole, tmp, results)
    if results.names:
        print('%d failed: %s' % (len(results.names), ', '.join(results.names)))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
