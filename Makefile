# velero-plugin-for-alibabacloud (csdr)
# Run `make help` for the list of targets.

SHELL        := /usr/bin/env bash
.SHELLFLAGS  := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO           ?= go
MODULE       := github.com/csdr-io/velero-plugin-for-alibabacloud
VERSION      ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
OUTPUT       := _output
BIN          := $(OUTPUT)/bin
LDFLAGS      := -s -w -X $(MODULE)/pkg/buildinfo.Version=$(VERSION)
# Fuzz targets run briefly on every `make test`; `make fuzz` digs deeper. Budgets count inputs, not
# seconds: Go 1.26's fuzz coordinator can report "context deadline exceeded" when a -fuzztime duration
# ends on a busy machine (golang/go#75804, fixed in Go 1.27), and a count also costs the same everywhere.
FUZZTIME     ?= 20000x
FUZZ_TARGETS := \
	./plugins/objectstore:FuzzParseConfig \
	./plugins/volumesnapshotter:FuzzParseConfig \
	./plugins/volumesnapshotter:FuzzSetDisk \
	./pkg/cloud/credentials:FuzzParseFile \
	./pkg/transform:FuzzParseImageRef
BENCH_FLAGS  ?= -benchtime=1x -count=1
HARNESS      := .cache/bin/harness
# controller-gen is pinned by its own module; its binary is named after that module's go.mod and go.sum,
# so it is built once per pin and `make verify` costs one generator run.
CONTROLLER_TOOLS := e2e/components/controller-tools
CONTROLLER_GEN   := .cache/bin/controller-gen-$(shell cat $(CONTROLLER_TOOLS)/go.mod $(CONTROLLER_TOOLS)/go.sum | sha256sum | cut -c1-16)
# The API packages (deepcopy functions written beside the types) and where their CRDs go, one file each.
API_DIRS     := pkg/apis/csdr/v1alpha1
CRD_DIR      := deploy/crds
E2E_TIMEOUT  ?= 45m

# Go's module and build caches live in the checkout (.cache, gitignored): a second run, and the
# harness's builds of Kubernetes and Velero, reuse them. CGO is off everywhere, so the tests, the plugin
# and the harness share one set of compiled packages.
export GOMODCACHE  ?= $(CURDIR)/.cache/go/mod
export GOCACHE     ?= $(CURDIR)/.cache/go/build
export CGO_ENABLED ?= 0

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make <target>\n"} \
		/^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2 } \
		/^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

.PHONY: deps
deps: ## Fetch the Go modules the build and tests use ("go: downloading ..." lines on a cold machine).
	@mkdir -p $(OUTPUT)
	@# Only what the packages import: the full module graph names versions the module proxy refuses
	@# (e.g. k8s.io/cli-runtime v0.33.12) that no package here needs.
	@$(GO) list -deps -test -f '{{with .Module}}{{.Path}} {{.Version}}{{end}}' ./... | sort -u > $(OUTPUT)/modules.txt
	@echo "go modules in use: $$(grep -vc '^$(MODULE) ' $(OUTPUT)/modules.txt) (cache: $$($(GO) env GOMODCACHE))"

##@ Build

.PHONY: build
build: deps ## Build the plugin binary and the emulator into _output/bin.
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/velero-plugin-for-alibabacloud ./plugins/cmd/velero-plugin-for-alibabacloud
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/alibabacloud-emulator ./e2e/emulator/cmd/alibabacloud-emulator

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Write the API's deepcopy functions (zz_generated.deepcopy.go) and its CRDs (deploy/crds).
	@for dir in $(API_DIRS); do $(CONTROLLER_GEN) object paths=./$$dir; done
	@rm -f $(CRD_DIR)/*.yaml
	$(CONTROLLER_GEN) crd $(foreach dir,$(API_DIRS),paths=./$(dir)) output:crd:dir=$(CRD_DIR)

$(CONTROLLER_GEN):
	@mkdir -p $(@D)
	cd $(CONTROLLER_TOOLS) && GOWORK=off $(GO) build -trimpath -o $(CURDIR)/$@ sigs.k8s.io/controller-tools/cmd/controller-gen

.PHONY: components
components: $(HARNESS) ## Build etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kwok, velero, plugin and emulator into .cache.
	$(HARNESS) build

.PHONY: $(HARNESS)
$(HARNESS):
	@$(GO) build -o $(HARNESS) ./e2e/cmd/harness

##@ Quality

.PHONY: test
test: deps lint verify unit e2e fuzz-smoke ## The whole suite: lint, tidy check, unit, integration, contract, end-to-end, fuzz smoke.

.PHONY: e2e
e2e: components ## End-to-end tests: two local clusters, velero server, the plugin and the emulator.
	$(GO) test -tags=e2e -count=1 -timeout=$(E2E_TIMEOUT) -v ./e2e/suite/...

.PHONY: unit
unit: ## Unit, integration (real SDK against the emulator) and contract (Velero gRPC) tests.
	$(GO) test -count=1 -timeout 20m ./...
	# Our Ingress conversion against Kubernetes' own, in the module that pins Kubernetes.
	cd e2e/components/kubernetes && $(GO) test -count=1 ./...

.PHONY: fuzz-smoke
fuzz-smoke: ## Run every fuzz target for FUZZTIME inputs (default 20000x).
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "fuzz $$pkg $$fn, $(FUZZTIME) inputs"; \
		$(GO) test -run='^$$' -fuzz="^$$fn$$" -fuzztime=$(FUZZTIME) $$pkg; \
	done

.PHONY: fuzz
fuzz: FUZZTIME=2000000x
fuzz: fuzz-smoke ## Run every fuzz target for 2,000,000 inputs (minutes each).

.PHONY: lint
lint: ## gofmt and go vet (also with build tags).
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags=e2e ./...
	$(GO) vet -tags=csdr_noactions ./plugins/cmd/...

.PHONY: verify
verify: $(CONTROLLER_GEN) ## Fail if go mod tidy (here and in e2e/components) or make generate would change files; tidied go.mod/go.sum are left for you to commit.
	@fail=0; for dir in . e2e/components/controller-tools e2e/components/kubernetes e2e/components/kwok e2e/components/velero; do \
		before=$$(cat $$dir/go.mod $$dir/go.sum | sha256sum); \
		(cd $$dir && GOWORK=off $(GO) mod tidy); \
		if [ "$$(cat $$dir/go.mod $$dir/go.sum | sha256sum)" != "$$before" ]; then \
			echo "$$dir: go.mod/go.sum were not tidy; 'go mod tidy' changed them, review and commit"; fail=1; \
		fi; \
	done; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	for dir in $(API_DIRS); do \
		$(CONTROLLER_GEN) object paths=./$$dir output:object:dir=$$tmp/$$dir; \
		if ! diff -u $$dir/zz_generated.deepcopy.go $$tmp/$$dir/zz_generated.deepcopy.go; then \
			echo "$$dir/zz_generated.deepcopy.go is stale: run make generate and commit"; fail=1; \
		fi; \
	done; \
	$(CONTROLLER_GEN) crd $(foreach dir,$(API_DIRS),paths=./$(dir)) output:crd:dir=$$tmp/crds; \
	if ! diff -ru $(CRD_DIR) $$tmp/crds; then echo "$(CRD_DIR) is stale: run make generate and commit"; fail=1; fi; \
	exit $$fail

.PHONY: bench
bench: components ## Upload throughput vs raw PUT (LAN, WAN), plugin memory, 50-disk-PV backup, 10,000-item restore with/without our actions, HBR backup of 1 GiB in 10,000 files vs a copy and its incremental bytes.
	$(GO) test -run='^$$' -bench=. $(BENCH_FLAGS) -timeout 30m ./e2e/bench/...

##@ Run

.PHONY: demo
demo: $(HARNESS) ## The main job: back up an application in cluster A, restore it in cluster B (local, emulated cloud).
	$(HARNESS) demo

.PHONY: up
up: $(HARNESS) ## Start the emulator and two clusters with Velero and the plugin, for trying commands by hand.
	$(HARNESS) up

.PHONY: clean
clean: ## Remove build outputs (keeps the caches in .cache).
	rm -rf $(OUTPUT)

.PHONY: clean-cache
clean-cache: ## Remove .cache: Go module and build caches, component binaries, kept run logs.
	chmod -R u+w .cache 2>/dev/null || true
	rm -rf .cache
