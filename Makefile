# The Makefile is the contract: CI calls these same targets.
GO      ?= go
BIN     := bin/catchment
DEMO    := seeds/demo
ROUND   := out/demo-round
FUZZTIME ?= 10s
BUF     ?= buf

.PHONY: all build test unit race fuzz lint breaking bench demo demo-city clean generate check-generated

all: build

build:
	$(GO) build -o $(BIN) ./cmd/catchment

## test: everything CI checks: lint, unit tests, race detector, short fuzzing
test: lint unit race fuzz

unit:
	$(GO) test -count=1 ./...

race:
	$(GO) test -count=1 -race -short ./allocator/... ./round/... ./geo/... ./server/... ./store/...

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeApplicants$$' -fuzztime $(FUZZTIME) ./geo
	$(GO) test -run '^$$' -fuzz '^FuzzApplicantFastPath$$' -fuzztime $(FUZZTIME) ./geo
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeSchools$$' -fuzztime $(FUZZTIME) ./geo
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeAreas$$' -fuzztime $(FUZZTIME) ./geo
	$(GO) test -run '^$$' -fuzz '^FuzzParsePolicy$$' -fuzztime $(FUZZTIME) ./allocator

lint: check-generated breaking
	$(GO) vet ./...
	$(BUF) lint
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## bench: benchmarks at the real scale (the demo city, 400,000 applicants)
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 3x ./round/ ./allocator/... ./geo/ ./server/ ./store/

## generate: regenerate the Go code of proto/ (buf, protoc-gen-go, protoc-gen-go-grpc: see .ci/run)
generate:
	$(BUF) generate

## breaking: fail if the API breaks a client of the previous commit (buf's FILE rules);
## BREAKING_AGAINST=.git#branch=main checks a branch against main
BREAKING_AGAINST ?= .git\#ref=HEAD~1
breaking:
	@if git rev-parse -q --verify HEAD~1 >/dev/null; then $(BUF) breaking --against '$(BREAKING_AGAINST)'; \
	else echo "breaking: no previous commit to compare with"; fi

## check-generated: fail if the committed generated code differs from what generate writes
check-generated:
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(BUF) generate -o "$$tmp" && \
	diff -r -x '*.proto' proto "$$tmp/proto" || { echo "generated code is stale: run make generate"; exit 1; }

## demo-city: regenerate the demo city and check it is byte-identical to the published one
demo-city: build
	$(BIN) gen -q --out $(DEMO) > /dev/null
	cd $(DEMO) && sha256sum --quiet -c ../demo.sha256

## demo: run a full round on the demo city and print its summary
demo: demo-city
	rm -rf $(ROUND)
	$(BIN) allocate --schools $(DEMO)/schools.geojson --applicants $(DEMO)/applicants.geojson \
		--wards $(DEMO)/wards.geojson --policy $(DEMO)/policy.json \
		--year 2026 --seed demo-2026 --out $(ROUND)
	$(BIN) replay -q $(ROUND)

clean:
	rm -rf bin out $(DEMO)
