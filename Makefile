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
# Fuzz targets run briefly on every `make test`; `make fuzz FUZZTIME=10m` digs deeper.
FUZZTIME     ?= 10s
FUZZ_TARGETS := \
	./plugins/objectstore:FuzzParseConfig \
	./pkg/cloud/credentials:FuzzParseFile
BENCH_FLAGS  ?= -benchtime=1x -count=1

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

##@ Quality

.PHONY: test
test: deps lint unit fuzz-smoke ## The whole suite: lint, unit + integration + contract tests, fuzz smoke.

.PHONY: unit
unit: ## Unit, integration (real SDK against the emulator) and contract (Velero gRPC) tests.
	$(GO) test -count=1 -timeout 20m ./...

.PHONY: fuzz-smoke
fuzz-smoke: ## Run every fuzz target for FUZZTIME (default 10s).
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "fuzz $$pkg $$fn for $(FUZZTIME)"; \
		$(GO) test -run='^$$' -fuzz="^$$fn$$" -fuzztime=$(FUZZTIME) $$pkg; \
	done

.PHONY: fuzz
fuzz: FUZZTIME=5m
fuzz: fuzz-smoke ## Run every fuzz target for 5 minutes.

.PHONY: lint
lint: ## gofmt and go vet (also with build tags).
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags=e2e ./...

.PHONY: verify
verify: ## Fail if go mod tidy or generated files would change the tree.
	$(GO) mod tidy
	@git diff --exit-code -- go.mod go.sum || { echo "go.mod/go.sum are not tidy: run 'go mod tidy'"; exit 1; }

.PHONY: bench
bench: ## Upload throughput vs raw HTTP PUT (LAN and emulated WAN) and plugin peak memory.
	$(GO) test -run='^$$' -bench=. $(BENCH_FLAGS) -timeout 30m ./e2e/bench/...

##@ Run

.PHONY: demo
demo: ## The main job (see README): backup and restore on the emulator.
	$(GO) run ./e2e/cmd/demo

.PHONY: clean
clean: ## Remove build outputs.
	rm -rf $(OUTPUT)
