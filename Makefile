# SPDX-License-Identifier: GPL-2.0
#
# dpo: build, lint, test and demo. Every user-facing target installs the
# Debian packages it needs first (see `deps`).
#
#   make               dpo.ko (against KDIR) and dpoctl
#   make check         host unit tests + the selftests in QEMU on the debug
#                      kernel, Debian's 6.1 and Debian's 6.12
#   make check-quick   the same on one kernel (KVER=..., default: newest 6.1;
#                      KVER=debug for the debug kernel)
#   make demo          boot the VM: a reference DB under load, dpoctl patch
#                      rolls a regressing build back and promotes a good one;
#                      plots and summaries in build/demo/<UTC time>-<kver>/,
#                      whose path is the last line printed (gnuplot)
#   make realstack     boot the VM: PostgreSQL 15 behind PgBouncer under pgbench,
#                      dpoctl patch judges a patched PgBouncer (bad, killed,
#                      persistent sessions, good); reports and summaries in
#                      build/realstack/<UTC time>-<kver>/
#   make bench         the decision engine's benchmark on the host
#                      (bench-engine), then the benchmarks in the VM (KVER=...)
#   make bench-engine  the engine on generated samples: false rollbacks,
#                      detection times, cost per step (BENCH_ARGS=...)
#   make fuzz N=...    a long netlink fuzz run in the VM (KVER=..., SEED=...)
#   make vm-shell      boot the VM with a shell (KVER=...)
#   make lint          checkpatch --strict, W=1 and sparse on every kernel
#   make regen         regenerate the files made from the protocol spec
#                      (include/netlink/specs/dpo.yaml); `make check` fails
#                      while a committed one is stale
#   make install       dpoctl, its man pages, bash completion and example
#                      configuration under DESTDIR/PREFIX (default /usr/local);
#                      make uninstall removes exactly those files
#   make dkms-install  dpo.ko's sources in /usr/src/dpo-VERSION, added to DKMS
#                      and built and installed for every kernel with headers
#                      (nothing is loaded); make dkms-uninstall
#   make deb           the Debian packages dpo-dkms and dpoctl in build/deb/
#                      (dpkg-buildpackage), checked by lintian
#   make deps          install the Debian packages the above need

BUILD      := $(CURDIR)/build
SRC_TARBALL := /usr/src/linux-source-6.1.tar.xz
KSRC       := $(BUILD)/linux-src
KSFT_INC   := $(KSRC)/tools/testing/selftests
CHECKPATCH := $(KSRC)/scripts/checkpatch.pl
KERNELS_SH := $(CURDIR)/selftests/vm/kernels.sh
DEBUG_KERNEL_SH := $(CURDIR)/selftests/debug-kernel/build.sh
# The kernel's YNL generator, from Debian's 6.12 sources (never committed).
YNL_TARBALL := /usr/src/linux-source-6.12.tar.xz
YNL        := $(BUILD)/ynl
# What include/netlink/regen.sh writes from the spec; committed.
GENERATED  := include/uapi/linux/dpo.h kmod/nl_ops.h kmod/nl_ops.c \
	include/netlink/dpo-desc.h

# The one version (include/dpo/version.h) of the module, dpoctl and the
# packages.
PKG_VERSION := $(shell sed -n 's/^\#define DPO_VERSION "\(.*\)"$$/\1/p' \
	$(CURDIR)/include/dpo/version.h)
# The module's sources as DKMS builds them (/usr/src/dpo-VERSION).
DKMS_SRC   := Kbuild kmod/Makefile $(wildcard kmod/*.c kmod/*.h) \
	include/uapi/linux/dpo.h include/dpo/version.h

# make install: dpoctl for administrators (sbin, section 8).
PREFIX     ?= /usr/local
DESTDIR    ?=
SBINDIR    := $(PREFIX)/sbin
MANDIR     := $(PREFIX)/share/man
DOCDIR     := $(PREFIX)/share/doc/dpoctl
COMPLDIR   := $(PREFIX)/share/bash-completion/completions
# Where dpoctl and its man pages are built (debian/rules builds elsewhere).
UCTL_O     ?= $(BUILD)/uctl
# Every file make install writes, as SOURCE:DEST pairs.
INSTALL_FILES = $(UCTL_O)/dpoctl:$(SBINDIR)/dpoctl \
	$(UCTL_O)/man/dpoctl.8:$(MANDIR)/man8/dpoctl.8 \
	$(UCTL_O)/man/dpoctl.conf.5:$(MANDIR)/man5/dpoctl.conf.5 \
	uctl/completion/dpoctl.bash:$(COMPLDIR)/dpoctl \
	uctl/man/dpoctl.conf.example:$(DOCDIR)/examples/dpoctl.conf

DEB_PKGS := linux-image-amd64 linux-headers-amd64 \
	linux-image-6.12-amd64 linux-headers-6.12-amd64 \
	linux-source-6.1 linux-source-6.12 python3-yaml python3-jsonschema \
	qemu-system-x86 busybox-static cpio kmod xz-utils \
	libnl-3-dev libnl-genl-3-dev libinih-dev libjson-c-dev \
	pkg-config gcc make libc6-dev gnuplot-nox bash-completion \
	sparse valgrind flex bison bc libelf-dev libssl-dev \
	prometheus postgresql-15 pgbouncer \
	dkms dh-dkms debhelper dpkg-dev fakeroot lintian scdoc mandoc

# Kernel releases, resolved lazily so that `make deps` can run first.
KVER_61    = $(shell $(KERNELS_SH) 6.1)
KVER_612   = $(shell $(KERNELS_SH) 6.12)
# "debug" is our debug kernel (selftests/debug-kernel), built on first use.
KVERS      = debug $(KVER_61) $(KVER_612)
KVER      ?= $(KVER_61)
KDIR      ?= /usr/src/linux-headers-$(shell $(KERNELS_SH) newest)

.PHONY: all module dpoctl deps install install-run uninstall dkms-src dkms-install \
	dkms-uninstall deb deb-run ksft-src lint lint-run check check-run \
	check-quick check-quick-run demo realstack bench bench-engine fuzz vm-shell \
	vm-bins unit kmod-unit debug-kernel regen regen-check ynl-src \
	clean help

all: module dpoctl

help:
	@sed -n '3,/^$$/p' Makefile | sed 's/^# \{0,1\}//'

deps:
	@missing=""; for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
			grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "deps: installing$$missing"; \
		if [ "$$(id -u)" != 0 ]; then \
			echo "deps: run as root (apt-get install$$missing)" >&2; \
			exit 1; \
		fi; \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive INITRD=No apt-get install -y -qq \
			--no-install-recommends $$missing >/dev/null || exit 1; \
	fi

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

dpoctl:
	$(MAKE) -C uctl O=$(BUILD)/uctl

# Only what we use from the kernel tarball: the kselftest headers and
# checkpatch. Never committed.
ksft-src: $(KSRC)/.stamp
$(KSRC)/.stamp: $(SRC_TARBALL)
	rm -rf $(KSRC) && mkdir -p $(KSRC)
	tar -xJf $(SRC_TARBALL) -C $(KSRC) --strip-components=1 \
		linux-source-6.1/tools/testing/selftests/kselftest.h \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	touch $@

# Only what we use from the 6.12 tarball: the YNL generator, its library
# (the ynl CLI of the selftests) and the genetlink-legacy schema.
ynl-src: $(YNL)/.stamp
$(YNL)/.stamp: $(YNL_TARBALL)
	rm -rf $(YNL) && mkdir -p $(YNL)
	tar -xJf $(YNL_TARBALL) -C $(YNL) --strip-components=1 \
		linux-source-6.12/tools/net/ynl \
		linux-source-6.12/Documentation/netlink/genetlink-legacy.yaml
	touch $@

regen: deps
	@$(MAKE) --no-print-directory ynl-src
	include/netlink/regen.sh $(YNL) $(CURDIR)

# Fails, naming them, when committed generated files differ from the spec.
regen-check: ynl-src
	@rm -rf $(BUILD)/regen-check
	@include/netlink/regen.sh $(YNL) $(BUILD)/regen-check >/dev/null
	@stale=""; for f in $(GENERATED); do \
		cmp -s $(BUILD)/regen-check/$$f $$f || stale="$$stale $$f"; \
	done; \
	if [ -n "$$stale" ]; then \
		echo "regen-check: stale:$$stale (run make regen)" >&2; exit 1; \
	fi; echo "regen-check: generated files match the spec"

# The kernel build tree for a release, or our debug kernel for "debug".
kdir_of = $(if $(filter debug,$(1)),$(shell $(DEBUG_KERNEL_SH) $(BUILD)),/usr/src/linux-headers-$(1))

# KVER=debug boots our debug kernel's image.
VM_ENV = $(if $(filter debug,$(KVER)),VM_KERNEL=$(call kdir_of,debug)/arch/x86/boot/bzImage)

# One module build per kernel. Debian's kernels: `dkms build` in a private
# DKMS tree (the system's is not touched), so that the VM tests load the
# module dpo-dkms and make dkms-install would build. Our debug kernel has no
# headers package: kbuild on a copy of the sources.
$(BUILD)/kmod/%/kmod/dpo.ko: FORCE
	@rm -rf $(BUILD)/kmod/$* && mkdir -p $(BUILD)/kmod/$*/kmod
	@if [ "$*" = debug ]; then \
		cp -a Kbuild kmod include $(BUILD)/kmod/$*/ && \
		$(MAKE) -C $(call kdir_of,$*) M=$(BUILD)/kmod/$* $(KBUILD_EXTRA) \
			modules; \
	else \
		$(MAKE) --no-print-directory dkms-src \
			DKMS_DEST=$(BUILD)/kmod/$*/src/dpo-$(PKG_VERSION) && \
		mkdir -p $(BUILD)/kmod/$*/dkms && \
		dkms add -q dpo/$(PKG_VERSION) --sourcetree $(BUILD)/kmod/$*/src \
			--dkmstree $(BUILD)/kmod/$*/dkms >/dev/null && \
		dkms build -q dpo/$(PKG_VERSION) -k $* --sourcetree $(BUILD)/kmod/$*/src \
			--dkmstree $(BUILD)/kmod/$*/dkms || \
		{ cat $(BUILD)/kmod/$*/dkms/dpo/$(PKG_VERSION)/build/make.log; exit 1; }; \
		ko=$$(ls $(BUILD)/kmod/$*/dkms/dpo/$(PKG_VERSION)/$*/*/module/dpo.ko*) && \
		case $$ko in \
		*.xz)	xz -dc $$ko > $@ ;; \
		*)	cp $$ko $@ ;; \
		esac; \
	fi
FORCE:

# The module's sources with a dkms.conf for VERSION, in DKMS_DEST.
dkms-src:
	@test -n "$(DKMS_DEST)" || { echo "dkms-src: DKMS_DEST= is needed" >&2; exit 1; }
	@rm -rf $(DKMS_DEST) && mkdir -p $(DKMS_DEST)
	@cp --parents $(DKMS_SRC) $(DKMS_DEST)/
	@sed 's/#MODULE_VERSION#/$(PKG_VERSION)/' dkms.conf > $(DKMS_DEST)/dkms.conf

# DKMS on this host: the sources in /usr/src/dpo-VERSION, built and
# installed for every kernel whose headers are installed. Nothing is loaded.
dkms-install: deps
	@test "$$(id -u)" = 0 || { echo "dkms-install: run as root" >&2; exit 1; }
	-@dkms remove -q dpo/$(PKG_VERSION) --all >/dev/null 2>&1
	@$(MAKE) --no-print-directory dkms-src DKMS_DEST=/usr/src/dpo-$(PKG_VERSION)
	dkms add dpo/$(PKG_VERSION)
	@for k in $$(ls /lib/modules); do \
		[ -e /lib/modules/$$k/build ] || continue; \
		dkms install dpo/$(PKG_VERSION) -k $$k || exit 1; \
	done

dkms-uninstall:
	@test "$$(id -u)" = 0 || { echo "dkms-uninstall: run as root" >&2; exit 1; }
	-dkms remove dpo/$(PKG_VERSION) --all
	rm -rf /usr/src/dpo-$(PKG_VERSION)

# dpoctl, its man pages, completion and example configuration.
install: deps
	@$(MAKE) --no-print-directory install-run
install-run:
	$(MAKE) -C uctl O=$(UCTL_O) all man
	@set -e; for f in $(INSTALL_FILES); do \
		src=$${f%%:*} dst=$(DESTDIR)$${f#*:}; \
		mode=0644; [ "$${dst%/sbin/dpoctl}" = "$$dst" ] || mode=0755; \
		echo "install $$dst"; install -D -m $$mode $$src $$dst; \
	done

uninstall:
	@for f in $(INSTALL_FILES); do \
		dst=$(DESTDIR)$${f#*:}; \
		if [ -e $$dst ]; then echo "rm $$dst"; rm -f $$dst; fi; \
	done
	-@rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null

# Debian packages, built from a copy of the tree (dpkg-buildpackage writes
# to the parent directory): build/deb/*.deb, then lintian on them.
deb: deps
	@$(MAKE) --no-print-directory deb-run
deb-run:
	@rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/dpo-$(PKG_VERSION)
	@tar -C $(CURDIR) --exclude=./build --exclude=./.git -cf - . | \
		tar -C $(BUILD)/deb/dpo-$(PKG_VERSION) -xf -
	cd $(BUILD)/deb/dpo-$(PKG_VERSION) && \
		dpkg-buildpackage -us -uc -b > ../build.log 2>&1 || \
		{ tail -n 40 ../build.log; exit 1; }
	@ls $(BUILD)/deb/*.deb
	lintian -I --fail-on error $(BUILD)/deb/*.changes

# The debug kernel alone (cold: ~5 min on 2 cores; then cached).
debug-kernel: deps
	@$(DEBUG_KERNEL_SH) $(BUILD)

unit: kmod-unit
	$(MAKE) -C uctl O=$(BUILD)/uctl test

# The module's pure functions (kmod/lat_hist.h, kmod/canary.h) on the
# host: kmod/tests, no kernel, no VM.
kmod-unit: ksft-src
	$(MAKE) -C kmod/tests O=$(BUILD)/kmod-unit KSFT_INC=$(KSFT_INC) run

vm-bins: ksft-src ynl-src
	$(MAKE) -C uctl O=$(BUILD)/uctl-static STATIC=1
	$(MAKE) -C selftests O=$(BUILD)/selftests KSFT_INC=$(KSFT_INC)
	$(MAKE) -C selftests/bench O=$(BUILD)/bench

lint: deps
	@$(MAKE) --no-print-directory lint-run
# CONST_STRUCT is ignored for two lines: the two proto_ops copies of
# kmod/sockops.c (listeners, connections) are written once at init (from
# ops that are not exported) and are __ro_after_init, which checkpatch
# cannot tell from a forgotten const.
lint-run: ksft-src
	$(CHECKPATCH) --strict --no-tree --terse --show-types \
		--ignore CONST_STRUCT -f \
		kmod/*.c kmod/*.h include/uapi/linux/dpo.h include/dpo/version.h
	@test "$$(grep -c 'struct proto_ops [a-z_]*\[' kmod/*.c | \
		awk -F: '{ n += $$2 } END { print n }')" = 2 || \
		{ echo "lint: a new non-const struct proto_ops" >&2; exit 1; }
	@set -e; for k in $(KVER_61) $(KVER_612); do \
		echo "lint: W=1 C=1 against $$k"; \
		rm -rf $(BUILD)/lint/$$k; mkdir -p $(BUILD)/lint/$$k; \
		cp -a Kbuild kmod include $(BUILD)/lint/$$k/; \
		$(MAKE) -s -C /usr/src/linux-headers-$$k M=$(BUILD)/lint/$$k \
			W=1 C=1 modules > $(BUILD)/lint/$$k.log 2>&1 || \
			{ cat $(BUILD)/lint/$$k.log; exit 1; }; \
		if grep -E 'warning|error' $(BUILD)/lint/$$k.log; then \
			echo "lint: $$k: not clean" >&2; exit 1; fi; \
	done
	@echo "lint: clean"

# `check` runs the host unit tests, then the selftests in the VM on each
# kernel, and closes with one "N passed, N failed" line over all of them.
check: deps
	@$(MAKE) --no-print-directory check-run
check-run: vm-bins
	@selftests/vm/check.sh --build $(BUILD) --kvers "$(KVERS)"

check-quick: deps
	@$(MAKE) --no-print-directory check-quick-run
check-quick-run: vm-bins
	@selftests/vm/check.sh --build $(BUILD) --kvers "$(KVER)"

# run.sh's last line is "report: <folder>" (selftests/vm/report.sh made it).
demo: deps
	@$(MAKE) --no-print-directory vm-bins $(BUILD)/kmod/$(KVER)/kmod/dpo.ko
	@$(VM_ENV) selftests/vm/run.sh --build $(BUILD) --kver $(KVER) --mode demo

# DPO_RS_CASES=bad,killed,persistent,good picks cases, DPO_RS_SHORT=1 is
# the shorter run of `make check`.
realstack: deps
	@$(MAKE) --no-print-directory vm-bins $(BUILD)/kmod/$(KVER)/kmod/dpo.ko
	@$(VM_ENV) selftests/vm/run.sh --build $(BUILD) --kver $(KVER) --mode realstack

# A long netlink fuzz run on one kernel: make fuzz N=1000000 [SEED=1]
# [KVER=debug]. `check` runs 100,000 messages per user on Debian's kernels,
# 25,000 on the debug kernel.
N    ?= 100000
SEED ?= 1
fuzz: deps
	@$(MAKE) --no-print-directory vm-bins $(BUILD)/kmod/$(KVER)/kmod/dpo.ko
	@$(VM_ENV) DPO_TESTS=nl_fuzz_test DPO_FUZZ_COUNT=$(N) DPO_FUZZ_SEED=$(SEED) \
		VM_TEST_TIMEOUT=86400 selftests/vm/run.sh --build $(BUILD) \
		--kver $(KVER) --mode test --timeout 86400

# Benchmarks in the VM: ratios measured in one run, not pass/fail.
# wrapper_cost opens 100,000 connections: a slow (TCG, shared) host needs
# more than run.sh's default 300 s.
bench: deps
	@mkdir -p $(BUILD)
	@{ $(MAKE) --no-print-directory bench-engine; echo $$? >$(BUILD)/bench-engine.rc; } | \
		tee $(BUILD)/bench-engine.txt; exit $$(cat $(BUILD)/bench-engine.rc)
	@$(MAKE) --no-print-directory vm-bins $(BUILD)/kmod/$(KVER)/kmod/dpo.ko
	@$(VM_ENV) selftests/vm/run.sh --build $(BUILD) --kver $(KVER) --mode bench \
		--timeout 1200
	@selftests/vm/bench_table.sh $(BUILD)/vm/$(KVER)/demo.log \
		$(BUILD)/bench-engine.txt $(KVER)

# The decision engine on the host, on seeded generated samples (about 2 min on
# 2 cores): deterministic but for its ns columns. BENCH_ARGS go to
# engine_bench (--help lists them).
BENCH_ARGS ?=
bench-engine:
	$(MAKE) -C uctl O=$(BUILD)/uctl bench
	$(BUILD)/uctl/bench/engine_bench $(BENCH_ARGS)

vm-shell: deps
	@$(MAKE) --no-print-directory vm-bins $(BUILD)/kmod/$(KVER)/kmod/dpo.ko
	@$(VM_ENV) selftests/vm/run.sh --build $(BUILD) --kver $(KVER) --mode shell

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	rm -rf $(BUILD)
