# The README's two commands. Everything else is meson: see README.md.
BUILD ?= build
SAN_BUILD ?= build-san
MESON_OPTS ?=
OUT ?= demo-out

.PHONY: all setup build demo check check-sanitize check-gstreamer-valgrind clean

all: build

setup:
	@scripts/setup.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

build: setup $(BUILD)/build.ninja
	meson compile -C $(BUILD)

# The simulated scene starts 3 stops too bright under tungsten light, so the
# first frames show auto exposure and white balance converging. 15 fps leaves
# time to encode every frame as PNG on a small machine.
demo: build
	@mkdir -p $(OUT)
	PINHOLE_VIRTUAL="lux=3200,colour-temperature=2800" \
	$(BUILD)/src/tools/pinhole/pinhole capture virtual --frames 30 \
		--stream role=viewfinder,width=1280,height=720,format=RGB888 \
		--control FrameDurationLimits=66666,66666 \
		--output '$(OUT)/frame-#.png' --metadata
	@echo "Wrote 30 frames to $(OUT)/"

check: build
	meson test -C $(BUILD) --print-errorlogs
	meson test -C $(BUILD) --setup=valgrind --suite unit --suite integration --no-suite realtime \
		--print-errorlogs
	$(MAKE) check-gstreamer-valgrind
	$(MAKE) check-sanitize

# pinholesrc's gst-check test under valgrind (its own suite, 'gstreamer', is
# outside the unit/integration runs above and the sanitizer build).
check-gstreamer-valgrind: build
	@if meson test -C $(BUILD) --list 2>/dev/null | grep -q '/ pinholesrc$$'; then \
		meson test -C $(BUILD) --setup=valgrind --print-errorlogs pinholesrc; \
	else echo "pinholesrc is not built (no GStreamer development files): skipped"; fi

# The unit tests again under AddressSanitizer and UndefinedBehaviorSanitizer.
check-sanitize: setup
	@test -f $(SAN_BUILD)/build.ninja || meson setup $(SAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
	meson compile -C $(SAN_BUILD)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C $(SAN_BUILD) --suite unit --print-errorlogs

clean:
	rm -rf $(BUILD) $(SAN_BUILD) $(OUT)
