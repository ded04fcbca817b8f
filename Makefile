# xt_pktstat top-level build.  ./configure writes config.mk; `make` runs
# it first when it has not been run.
#
#   make              kernel module (src/), iptables extension (xtables/)
#                     and the reader program xt-pktstat (tools/)
#   make install      all three, plus depmod (DESTDIR honoured)
#   make check-all    every test (README's test command, what CI runs):
#                     make check, check-packages, check-kernels, check-debug,
#                     in parallel where the cores allow, with a time table
#   make check        unit tests, fuzzing, and the extension, kernel, reader
#                     and hostile-blob tests in QEMU on Debian's kernel
#   make demo         build, boot Debian's kernel in QEMU, show samples
#   make bench        per-packet cost of -m pktstat and its neighbours in QEMU
#                     (instructions under -icount, wall clock), core callgrind
#                     counts, drain speed, memory per name (BENCHMARKS.md)
#   make deb          Debian packages xt-pktstat, xt-pktstat-dkms in build/deb/
#   make rpm          the same pair as RPMs in build/rpm/RPMS/ (rpmbuild -bb)
#   make check-packages  build, lint, install, upgrade, purge the packages,
#                        in a throwaway Debian root (debootstrap, cached)
#   make check-kernels   build and test against each Debian kernel line in QEMU,
#                        the PREEMPT_RT ones too (KERNELS="bullseye sid-rt"
#                        for some; tests/kernels/)
#   make fuzz         libFuzzer harnesses (core, extension parsing), 300 s each
#                     (FUZZ_SECONDS=...; tests/fuzz/run.sh)
#   make check-hostile   malformed rule blobs through IPT_SO_SET_REPLACE,
#                        IP6T_SO_SET_REPLACE and nft compat (ip, ip6),
#                        refused by the kernel in QEMU (tests/hostile/run.sh)
#   make check-debug     every kernel test and the hostile blobs on a debug
#                        kernel (KASAN, lockdep, kmemleak, debug objects,
#                        UBSAN; built once from linux-source-6.1 and cached;
#                        tests/debug/)
#
# check, check-all, demo, check-packages, check-kernels and check-debug install
# what they need (tests/deps.sh SET, as root).  deb and rpm build from a clean copy of the
# sources (the files git tracks or would add), not from this tree.

ifneq ($(wildcard config.mk),)
include config.mk
endif

DESTDIR ?=

all:
	@test -f config.mk || ./configure
	@$(MAKE) --no-print-directory module extension tools

module:
	$(MAKE) -C src KERNEL_DIR=$(KERNEL_DIR)

extension:
	$(MAKE) -C xtables XTLIBDIR=$(XTLIBDIR) "XTABLES_CFLAGS=$(XTABLES_CFLAGS)"

tools:
	$(MAKE) -C tools

install: all
	$(MAKE) -C $(KERNEL_DIR) M=$(CURDIR)/src INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=extra modules_install
	$(MAKE) -C xtables install DESTDIR=$(DESTDIR) XTLIBDIR=$(XTLIBDIR) \
		MANDIR=$(MANDIR)
	$(MAKE) -C tools install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) MANDIR=$(MANDIR)
	test -n "$(DESTDIR)" || depmod -a $(KERNEL_RELEASE)

check:
	tests/check.sh

check-all:
	tests/check.sh --all

demo:
	tests/demo.sh

bench:
	tests/deps.sh bench
	@test -f config.mk || ./configure
	@$(MAKE) --no-print-directory all
	KVER=$(KERNEL_RELEASE) tests/bench/vm-bench.sh
	@echo "xt-pktstat reader (one core, tests/tools/bench_parse.c):"
	@$(MAKE) -s --no-print-directory -C tests/tools bench

PKG_VERSION = $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)
RPM_VERSION = $(shell sed -n 's/^Version:[[:space:]]*//p' rpm/xt-pktstat.spec)
# The files git tracks or would add; outside a git checkout (a copy made
# that way, as check-packages makes in its root) every file but build/.
PKG_FILES = { git ls-files -co --exclude-standard 2>/dev/null || \
	find . \( -path ./build -o -path ./.git \) -prune -o -type f -print | sed 's,^\./,,'; } | \
	while read -r f; do [ ! -f "$$f" ] || echo "$$f"; done

deb:
	rm -rf build/deb && mkdir -p build/deb/xt-pktstat-$(PKG_VERSION)
	$(PKG_FILES) | tar -cf - -T - | tar -xf - -C build/deb/xt-pktstat-$(PKG_VERSION)
	cd build/deb/xt-pktstat-$(PKG_VERSION) && dpkg-buildpackage -us -uc
	@ls build/deb/*.deb

# On Debian, rpm's database knows none of the BuildRequires: --nodeps.
rpm:
	rm -rf build/rpm && mkdir -p build/rpm/SOURCES
	$(PKG_FILES) | tar -czf build/rpm/SOURCES/xt-pktstat-$(RPM_VERSION).tar.gz \
		--transform 's,^,xt-pktstat-$(RPM_VERSION)/,' -T -
	rpmbuild -bb --define '_topdir $(CURDIR)/build/rpm' \
		$(if $(wildcard /etc/debian_version),--nodeps) rpm/xt-pktstat.spec
	@ls build/rpm/RPMS/*/*.rpm

check-tools:
	$(MAKE) -C tests/tools check

check-packages:
	tests/packages/check-packages.sh

check-kernels:
	tests/kernels/check-kernels.sh

FUZZ_SECONDS ?= 300
fuzz:
	tests/fuzz/run.sh $(FUZZ_SECONDS)

check-hostile:
	tests/hostile/run.sh

check-debug:
	tests/debug/check-debug.sh

lint:
	@test -f config.mk || ./configure
	tests/lint/run.sh $(KERNEL_DIR)

clean:
	$(MAKE) -C src clean KERNEL_DIR=$(KERNEL_DIR)
	$(MAKE) -C xtables clean
	$(MAKE) -C tools clean
	$(MAKE) -C tests/tools clean
	rm -rf build

distclean: clean
	rm -f config.mk

.PHONY: all module extension tools install check check-all check-tools demo bench deb rpm check-packages lint clean \
	distclean check-kernels fuzz check-hostile check-debug
