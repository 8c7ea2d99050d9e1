# flowproof — make demo | make test | make test-cluster CNI=calico|cilium | make report | make bench
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Everything the netns provider, the probes and the reports need (Debian package names); the
# packages of the apps' servers and probe clients (lib/apps) are checked in test/probes/registry.test.ts.
APT_PACKAGES := iproute2 nftables procps perl-base postgresql postgresql-client redis-server redis-tools \
  dnsmasq-base sip-tester netcat-openbsd socat curl bind9-dnsutils openssl ca-certificates \
  mariadb-server mariadb-client openjdk-17-jre-headless chromium
# The report tests check formats with external tools: xmllint validates junit.xml against
# Jenkins' junit-10.xsd, pdftotext reads the compliance report Chromium printed to PDF.
APT_PACKAGES += libxml2-utils poppler-utils
# Real Docker for the kind provider's own tests (Debian's daemon, which the tests start and
# stop themselves: scripts/dockerd.sh), and debootstrap for the Debian base of the local
# images where no registry is reachable (scripts/debian-base.sh).
APT_PACKAGES += docker.io iptables debootstrap
# shellcheck: test/action checks the GitHub Action's scripts (scripts/action-*.sh) with it.
APT_PACKAGES += shellcheck
SUITES ?= suites/sip-system-basic.yaml suites/sip-system-strict.yaml suites/voiceassist.yaml suites/virtrigaud.yaml suites/tenant-guardrails.yaml
CNI ?= calico
SUITE ?= $(SUITES)
KEEP ?=
DIR ?= $(shell ls -1dt reports/*/ 2>/dev/null | head -n 1)

.PHONY: help deps apt-deps build demo test typecheck images test-cluster report bench clean

help:
	@echo "make demo                      run the seed suites on the embedded netns provider, write reports/"
	@echo "make test                      typecheck and run flowproof's own tests"
	@echo "make test-cluster CNI=calico   run the suites on a kind cluster (calico|cilium; needs Docker)"
	@echo "make images                    build the images no registry has (clusters/versions.yaml localImages)"
	@echo "make report [DIR=reports/x]    re-render a bundle's compliance report and verify it"
	@echo "make bench                     benchmarks (plan, netns bring-up, probe scheduling, policy steps)"
	@echo "make clean                     remove leftovers of crashed runs and the reports"

node_modules/.flowproof-installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

apt-deps:
	@bash scripts/apt-deps.sh $(APT_PACKAGES)

# The compiled CLI (bin/flowproof.js runs it when it is current; npm ci's prepare builds it too).
dist/.built: tsconfig.build.json $(shell find lib -name '*.ts') | node_modules/.flowproof-installed
	npm run --silent build

build: dist/.built

deps: apt-deps node_modules/.flowproof-installed dist/.built

demo: deps
	@bash scripts/demo.sh $(SUITES)

typecheck: node_modules/.flowproof-installed
	npx tsc --noEmit -p tsconfig.json

# The tests start a Docker daemon when none runs and stop it at the end; the stop here also
# covers a mocha that died before its own teardown (it only stops a daemon flowproof started).
test: deps typecheck
	@echo "npx mocha 'test/**/*.test.ts'"; rc=0; npx mocha 'test/**/*.test.ts' || rc=$$?; bash scripts/dockerd.sh stop >/dev/null; exit $$rc

images: node_modules/.flowproof-installed
	node --import tsx scripts/images.ts build

test-cluster: node_modules/.flowproof-installed
	@CNI=$(CNI) SUITE="$(SUITE)" KEEP=$(KEEP) bash scripts/test-cluster.sh

report: node_modules/.flowproof-installed
	@test -n "$(DIR)" || { echo "no bundle under reports/: run make demo first, or pass DIR=reports/<bundle>"; exit 2; }
	node bin/flowproof.js report $(DIR)
	@# Re-rendered without a key, the bundle is unsigned now (report removes a stale signature): hashes only.
	node bin/flowproof.js verify $(DIR) --no-signature

bench: deps
	npm run --silent bench

clean: node_modules/.flowproof-installed
	node bin/flowproof.js cleanup
	find reports -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +
