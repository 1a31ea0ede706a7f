# SPDX-License-Identifier: GPL-2.0
#
# mmtorture - see README.
#
#   make                  host tools and the static guest programs
#   make KDIR=/path       also build/module/mmtorture.ko against that kernel build
#   make run [KERNEL= SUITE= DURATION= SMP= SEED= ...]   boot, run, verdict
#   make check            the project's own tests
#   make bench            boot-to-verdict seconds per kernel
#   make campaign KERNELS= SUITE= RUNS= SMP= [SEEDS= JOBS=]  many boots, one aggregate
#   make fuzz-long [KERNEL=]  10,000 malformed writes per knob in the VM
#   make deps             install what is missing from Debian's archive
#   make checkpatch       scripts/checkpatch.pl --strict over module/
#   make kernel [KSRC= KCONFIG= PATCH=]   build a guest kernel from source
#   make run KERNEL=src [KSRC= KCONFIG=default|debug PATCH=]   boot one
#   make repro NAME=entry [KERNEL= RUNS=N]   a catalog entry's reproducer
#                         (for git bisect run: scripts/repro.sh, exit 0/1/125)
#   make check-kernels [RUNS= CLEAN=1]   build, boot and prove the source kernels

BUILD ?= $(CURDIR)/build
GUEST_BIN := $(BUILD)/guest/bin
HOST_CFLAGS ?= -std=gnu11 -O2 -Wall -Wextra -Werror
export HOST_CFLAGS

all: tools guest $(if $(KDIR),module)

# Host C tools (scripts/host/): build/console-scan, build/mmt-report,
# build/score-scanner, build/mmt-campaign.
tools:
	$(MAKE) -C scripts/host BUILD=$(abspath $(BUILD))

# The kernel source parts we use (checkpatch, kselftest harness).
$(BUILD)/ksrc.path:
	@mkdir -p $(BUILD)
	scripts/fetch-ksrc.sh > $@.tmp && tail -n 1 $@.tmp > $@ && rm -f $@.tmp

# Static programs for the guest, and the kselftest install layout that the
# kselftest suite runs with the kernel tree's own run_kselftest.sh.
guest: $(BUILD)/ksrc.path
	$(MAKE) -C selftests OUTPUT=$(GUEST_BIN) KSRC=$$(cat $(BUILD)/ksrc.path) KDIR=
	$(MAKE) -C workloads O=$(GUEST_BIN)
	install -m 755 selftests/mmt_workload_killed.sh $(GUEST_BIN)/
	install -m 755 selftests/mmt_lib.sh $(GUEST_BIN)/
	install -m 755 selftests/mmt_uapi.sh $(GUEST_BIN)/
	install -m 755 $$(cat $(BUILD)/ksrc.path)/tools/testing/selftests/kselftest/ktap_helpers.sh $(GUEST_BIN)/
	rm -rf $(BUILD)/kselftest
	$(MAKE) -C selftests install INSTALL_PATH=$(BUILD)/kselftest \
		OUTPUT=$(BUILD)/kselftest-build KSRC=$$(cat $(BUILD)/ksrc.path) KDIR=

# build/module/mmtorture.ko, through the one module build every caller
# uses (vm-run.sh, make -C module, make -C selftests install).
module:
	@test -n "$(KDIR)" || { echo "make module needs KDIR=/path/to/kernel/build" >&2; exit 2; }
	scripts/build-module.sh $(KDIR) $(BUILD)/module

deps:
	scripts/install-deps.sh

run: deps all
	scripts/vm-run.sh $(MAKEOVERRIDES)

check: deps all
	scripts/check.sh

campaign: deps all
	scripts/campaign.sh $(MAKEOVERRIDES)

bench: deps all
	scripts/bench-boot.sh $(MAKEOVERRIDES)

fuzz-long: deps all
	scripts/vm-run.sh SUITE=knob-fuzz-long $(MAKEOVERRIDES)

kernel: deps
	scripts/build-kernel.sh $(MAKEOVERRIDES)

# "make repro delayed-rmap" as well as "make repro NAME=delayed-rmap".
ifeq (repro,$(firstword $(MAKECMDGOALS)))
REPRO_ARGS := $(wordlist 2,$(words $(MAKECMDGOALS)),$(MAKECMDGOALS))
$(eval $(REPRO_ARGS):;@:)
endif
repro: deps all
	scripts/repro.sh $(REPRO_ARGS) $(MAKEOVERRIDES)

check-kernels: deps all
	scripts/check-kernels.sh $(MAKEOVERRIDES)

checkpatch: $(BUILD)/ksrc.path
	scripts/checkpatch.sh $$(cat $(BUILD)/ksrc.path)

clean:
	rm -rf $(BUILD) selftests/build workloads/build

.PHONY: all tools guest module deps run check campaign bench fuzz-long checkpatch clean kernel repro check-kernels
