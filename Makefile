# Pantau's tasks. `make test` is what CI runs (.ci/run).
GO ?= go
GOFLAGS ?=
export GOFLAGS

# The version every build reports (pantau-probe version, the agent's health
# report, OUTDATED): the git tag (v1.4.0, or 1.4.0-3-gabc123 after it), or
# 0.0.0-<commits>-g<hash> before the first tag; -dirty with local changes.
VERSION ?= $(shell git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null || \
	echo "0.0.0-$$(git rev-list --count HEAD 2>/dev/null || echo 0)-g$$(git rev-parse --short HEAD 2>/dev/null || echo 0)$$(git diff --quiet HEAD 2>/dev/null || echo -dirty)")
# RELEASE_SERVER, when set, is built into the agent as setup's default server.
RELEASE_SERVER ?=
LDFLAGS := -X main.version=$(VERSION) $(if $(RELEASE_SERVER),-X main.defaultServer=$(RELEASE_SERVER))

.PHONY: test deps vet lint fuzz build cross release demo bench-ingest test-faults soak

test: deps lint
	GIN_MODE=release $(GO) test -count=1 -timeout 20m ./...
	$(MAKE) --no-print-directory fuzz

deps:
	@bash .ci/deps
	@$(GO) mod download

# Only the store speaks SQL: outside these packages no non-test code
# imports pgx (tests may seed and inspect tables through the store's pool).
#   api/postgres          the store
#   api/pgtest            the test-database helper: creates and migrates databases
#   api/bench             measures ingest against a raw COPY on a scratch database
#   api/bench/cmd/chaos-escalation reads what the servers under test stored,
#                         independently of the code it checks
#   api/detect/benchdetect builds its detection workload with bulk SQL
#   api/sim               counts what the server durably stored, reading the
#                         tables directly rather than trusting the code it checks
PGX_ALLOWED := github.com/pantau-id/pantau/api/(postgres|pgtest|bench|bench/cmd/chaos-escalation|detect/benchdetect|sim)

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	@for os in linux windows; do if GOOS=$$os $(GO) list -deps ./cmd/pantau-probe | grep -E 'gin-gonic|jackc/pgx|go-echarts|slack-go'; then echo "pantau-probe links server dependencies ($$os)"; exit 1; fi; done
	@bad=$$($(GO) list -f '{{.ImportPath}} {{join .Imports " "}}' ./... | grep ' github.com/jackc/pgx' | cut -d' ' -f1 | grep -vxE '$(PGX_ALLOWED)'); \
		test -z "$$bad" || { echo "only the store speaks SQL; these import pgx:"; echo "$$bad"; exit 1; }
	@$(MAKE) --no-print-directory vet-windows

# Most offices run Windows: the agent's packages are vetted and their tests
# compiled for windows/amd64 on every run (make test-wine runs them).
AGENT_PKGS := ./probe/... ./cmd/pantau-probe ./cmd/pantau-release
# The same tests run as Windows programs under Debian's Wine (not in CI:
# installs wine64 and mingw-w64; see .ci/test-wine for the two stand-ins).
.PHONY: vet-windows test-wine
test-wine:
	@bash .ci/test-wine

vet-windows:
	GOOS=windows GOARCH=amd64 $(GO) vet $(AGENT_PKGS)
	@for p in $$(GOOS=windows GOARCH=amd64 $(GO) list $(AGENT_PKGS)); do \
		GOOS=windows GOARCH=amd64 $(GO) test -c -o /dev/null $$p || exit 1; \
	done; echo "vet-windows: tests of the agent's packages compile for windows/amd64"

lint: vet
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

# A brief fuzz of the ingest decoder, and of the whole ingest path into the
# store; run longer by hand with FUZZTIME=5m FUZZ_STORE_TIME=5m.
# FuzzIngest goes through the handler into PostgreSQL (slower per run; one
# worker, as every worker process sets up its own database). Its progress
# line shows few execs: the worker reports them late; a run does ~1,000 a
# second here. Release mode: Gin would print its route list per process.
FUZZTIME ?= 15s
FUZZ_STORE_TIME ?= 10s
fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzDecodeBatch -fuzztime=$(FUZZTIME) ./api/ingest
	GIN_MODE=release $(GO) test -run='^$$' -fuzz=FuzzIngest -fuzztime=$(FUZZ_STORE_TIME) -parallel=1 ./api/server

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/ ./cmd/...

# The office agent must build for the PCs offices run.
cross:
	GOOS=linux GOARCH=amd64 $(GO) build -ldflags "$(LDFLAGS)" -o bin/linux-amd64/ ./cmd/pantau-probe
	GOOS=linux GOARCH=arm64 $(GO) build -ldflags "$(LDFLAGS)" -o bin/linux-arm64/ ./cmd/pantau-probe
	GOOS=windows GOARCH=amd64 $(GO) build -ldflags "$(LDFLAGS)" -o bin/windows-amd64/ ./cmd/pantau-probe

# A signed agent release in dist/<version>/: the agent for linux/amd64,
# linux/arm64 and windows/amd64 with the version stamped, VERSION,
# SHA256SUMS and SHA256SUMS.sig (Ed25519 over SHA256SUMS). The private key
# stays outside the repository: PANTAU_RELEASE_KEY=/path/to/key make release
# (make one with: go run ./cmd/pantau-release keygen -out /path/to/key).
RELEASE_DIR ?= dist/$(VERSION)
RELEASE_TARGETS := linux/amd64 linux/arm64 windows/amd64
release:
	@test -n "$(PANTAU_RELEASE_KEY)" || { echo "release: set PANTAU_RELEASE_KEY to the signing key's file (go run ./cmd/pantau-release keygen -out FILE, outside the repository)"; exit 2; }
	@rm -rf $(RELEASE_DIR) && mkdir -p $(RELEASE_DIR)
	@for t in $(RELEASE_TARGETS); do \
		os=$${t%/*}; arch=$${t#*/}; ext=; [ $$os = windows ] && ext=.exe; \
		echo "release: $(VERSION) $$os/$$arch"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags "$(LDFLAGS)" \
			-o $(RELEASE_DIR)/pantau-probe-$$os-$$arch$$ext ./cmd/pantau-probe || exit 1; \
	done
	@$(GO) run ./cmd/pantau-release sign -key "$(PANTAU_RELEASE_KEY)" -dir $(RELEASE_DIR) -version $(VERSION)
	@echo "release: $(RELEASE_DIR)"

demo:
	@bash .ci/deps postgres
	$(GO) run ./cmd/pantau demo

# The office agent's footprint (not in CI; Linux, reads /proc): 20 targets
# (tcp, http, https, tls on local servers) at 1 s for 60 s against a local
# ingest sink. The last line is `probe: rss_mb=<peak RSS> cpu_pct=<% of one core>`.
BENCH_PROBE_DIR ?= $(or $(TMPDIR),/tmp)/pantau-bench-probe
.PHONY: bench-probe
bench-probe:
	@mkdir -p $(BENCH_PROBE_DIR)
	@$(GO) build -o $(BENCH_PROBE_DIR)/pantau-probe ./cmd/pantau-probe
	@$(GO) build -o $(BENCH_PROBE_DIR)/benchprobe ./probe/agent/benchprobe
	@$(BENCH_PROBE_DIR)/benchprobe -bin $(BENCH_PROBE_DIR)/pantau-probe -targets 20 -interval 1s -duration 60s

# Ingest throughput (not in CI): the same N results through the HTTP API
# (gzip batches of 1,000, concurrent senders) and through a raw CopyFrom, on a
# scratch database. The last line is `ingest: api=<rows/s> copy=<rows/s> ratio=<api/copy> bytes_per_result=<n>`.
# Before it, with the database on this machine, `cpu: api_us_per_result=
# copy_us_per_result= cpu_ratio=<copy/api>`: CPU per result of each path
# (this process and the scratch database's backends, from /proc), which
# other load moves far less than the wall rates.
# BENCH_FLAGS=-breakdown adds the store path without HTTP; -cpuprofile F profiles the API phase.
BENCH_N ?= 1000000
BENCH_FLAGS ?=
bench-ingest:
	@$(GO) run ./api/bench/cmd/bench-ingest -n $(BENCH_N) $(BENCH_FLAGS)

# Fault tests (issue 7). The quick ones also run in `make test`; this adds,
# under the build tag `faults`, 50 agents through a 10-minute server outage
# (PANTAU_FAULTS_DOWN=1m shortens it), PostgreSQL restarted five times under
# 200 probes, and the agent binary killed with SIGKILL repeatedly.
test-faults: deps
	$(GO) test -tags faults -count=1 -timeout 40m -v ./api/faults/

# Soak (not in CI): pantau serve on a scratch database, then 514 simulated
# offices at 30 s for 10 minutes, 5,000 at 10 s for 2 minutes, and 10,000
# service points at 10 s with 3 targets for 5 minutes with a 2-minute
# national cut. The last lines, one per phase: `soak: offices= results= lost=
# p99_ms= rss_mb=`, the third with `detect_lag_p99_s= national_lag_s= close_lag_s=
# detect_lag_max_s=` (api/bench/lags.go).
# SOAK_PHASES=514:30s:1m,5000:10s:30s,2000:10s:2m:cut gives a short check.
SOAK_DIR ?= $(or $(TMPDIR),/tmp)/pantau-soak
SOAK_PHASES ?= 514:30s:10m,5000:10s:2m,10000:10s:5m:cut
SOAK_FLAGS ?=
soak:
	@mkdir -p $(SOAK_DIR)
	@$(GO) build -o $(SOAK_DIR)/pantau ./cmd/pantau
	@$(GO) run ./api/bench/cmd/soak -bin $(SOAK_DIR)/pantau -log-dir $(SOAK_DIR) -phases $(SOAK_PHASES) $(SOAK_FLAGS)

# Detection delay and throughput under ingest (not in CI): rows from many
# probes stored with and without the detector running, in short rounds
# taking turns (ABBA…, median of each side, so both meet the same moments
# of a busy machine); prints the ratio and p99 of result-to-outage latency.
# BENCH_DETECT_FLAGS=-tick 500ms -rounds 20 -private …
BENCH_DETECT_FLAGS ?=
.PHONY: bench-detect
bench-detect:
	@$(GO) run ./api/detect/benchdetect $(BENCH_DETECT_FLAGS)

# Report speed (not in CI): a month (BENCH_DAYS) of every office, province
# and the nation through the store and the model; last line has the p95s.
# A year at 20 runs outlasts go test's default 10 minutes on a busy box.
BENCH_DAYS ?= 31
BENCH_RUNS ?= 20
.PHONY: bench-report
bench-report:
	@PANTAU_BENCH_REPORT=1 BENCH_DAYS=$(BENCH_DAYS) RUNS=$(BENCH_RUNS) $(GO) test -count=1 -timeout 60m ./api/reportdata -run TestBenchReportMonth -v | grep -v '^\(=== \|--- \|PASS\|ok \)' | tail -1

# Alerts under real timing (issue 11; not in CI, at most 15 minutes): real
# pantau serve processes (two in one scenario) on scratch databases, pantau
# sim offices with scripted cuts (50 % random loss among them), a real
# pantau-probe SIGKILLed during a cut, and a stand-in Slack Web API that
# answers 500, 429 and hangs, through ten scenarios, two at a time
# (CHAOS_FLAGS=-parallel 1 for one). Each scenario's line gives its counts
# and alert delay; the last line is
# `escalation: scenarios= extra_top_level= lost= stale= duplicates=`.
# CHAOS_FLAGS=-only late runs the scenarios whose names contain "late".
CHAOS_DIR ?= $(or $(TMPDIR),/tmp)/pantau-chaos
CHAOS_FLAGS ?=
.PHONY: chaos-escalation
chaos-escalation:
	@mkdir -p $(CHAOS_DIR)
	@$(GO) build -o $(CHAOS_DIR)/pantau ./cmd/pantau
	@$(GO) build -o $(CHAOS_DIR)/pantau-probe ./cmd/pantau-probe
	@$(GO) run ./api/bench/cmd/chaos-escalation -bin $(CHAOS_DIR)/pantau -probe-bin $(CHAOS_DIR)/pantau-probe -log-dir $(CHAOS_DIR) $(CHAOS_FLAGS)

# Abuse (not in CI, at most 10 minutes; issue 13): pantau serve on a scratch
# database, attacked as a hostile user would: open redirects, every route as
# every role in and out of scope, NUL and invalid bytes everywhere, an intake
# flood, made-up methods, 100 concurrent logins with the server's RSS
# sampled. The last line is
# `abuse: requests=<n> status_5xx=<n> leaks=<n> login_peak_rss_mb=<n>`.
ABUSE_DIR ?= $(or $(TMPDIR),/tmp)/pantau-abuse
.PHONY: abuse
abuse:
	@mkdir -p $(ABUSE_DIR)
	@$(GO) build -o $(ABUSE_DIR)/pantau ./cmd/pantau
	@$(GO) run ./api/bench/cmd/abuse -bin $(ABUSE_DIR)/pantau -log-dir $(ABUSE_DIR)

# Lighthouse (not in CI; issue 12): Lighthouse from npm, installed into
# .tools/lighthouse on first use (node and npm from the machine), run
# mobile with the machine's Chromium on the demo's office page, office
# report, board, login and public status page (api/bench/cmd/lighthouse
# starts the demo, cuts Makassar, logs in and passes the session cookie).
# One line per page: `lighthouse: page=<name> perf=<n> a11y=<n>`;
# LIGHTHOUSE_FLAGS=-v adds the audits that cost points.
LIGHTHOUSE_TOOLS ?= .tools/lighthouse
LIGHTHOUSE_VERSION ?= 12.8.2
LIGHTHOUSE_DIR ?= $(or $(TMPDIR),/tmp)/pantau-lighthouse
LIGHTHOUSE_FLAGS ?=
.PHONY: lighthouse
lighthouse:
	@test -x $(LIGHTHOUSE_TOOLS)/node_modules/.bin/lighthouse || { \
		command -v npm >/dev/null || { echo "lighthouse: needs node and npm"; exit 2; }; \
		echo "lighthouse: installing Lighthouse $(LIGHTHOUSE_VERSION) into $(LIGHTHOUSE_TOOLS)"; \
		npm install --no-audit --no-fund --silent --prefix $(LIGHTHOUSE_TOOLS) lighthouse@$(LIGHTHOUSE_VERSION) || exit 2; }
	@bash .ci/deps postgres
	@mkdir -p $(LIGHTHOUSE_DIR)
	@$(GO) build -o $(LIGHTHOUSE_DIR)/pantau ./cmd/pantau
	@$(GO) run ./api/bench/cmd/lighthouse -bin $(LIGHTHOUSE_DIR)/pantau -dir $(LIGHTHOUSE_DIR) \
		-lighthouse $(LIGHTHOUSE_TOOLS)/node_modules/.bin/lighthouse $(LIGHTHOUSE_FLAGS)

# Screenshots (issue 12): every page per role (visitor, office staff, head of
# office, provincial official, national operator, admin) at 1366 and 390 px
# into testoutput/screens/ (no page may scroll sideways), and every printed
# report as PDF and PNG pages (pdftoppm) into testoutput/. Also part of make test.
.PHONY: screenshots
screenshots:
	@bash .ci/deps
	GIN_MODE=release $(GO) test -count=1 -timeout 20m -run 'TestScreensPerRole|TestReportsPrintOnA4' ./api/server/browsertest
	@ls testoutput/screens | wc -l | xargs echo "screenshots: testoutput/screens/ holds"; ls testoutput/*.png | wc -l | xargs echo "screenshots: PNG pages in testoutput/:"

# ECharts for the pages (not in CI): a build of echarts@5.6.0 holding only
# what web/chart draws (web/echarts/entry.js), bundled with esbuild, both
# from npm into .tools/echarts; the result is committed as
# web/static/echarts/5.6.0/echarts.min.js (590 kB against the full 1 MB).
ECHARTS_TOOLS ?= .tools/echarts
.PHONY: echarts
echarts:
	@test -x $(ECHARTS_TOOLS)/node_modules/.bin/esbuild || npm install --no-audit --no-fund --silent --prefix $(ECHARTS_TOOLS) echarts@5.6.0 esbuild@0.24.0
	@cp web/echarts/entry.js $(ECHARTS_TOOLS)/entry.js
	$(ECHARTS_TOOLS)/node_modules/.bin/esbuild $(ECHARTS_TOOLS)/entry.js --bundle --minify --format=iife \
		--define:process.env.NODE_ENV='"production"' \
		--banner:js='/*! Apache ECharts 5.6.0 (Apache-2.0, see LICENSE and NOTICE beside this file): the parts Pantau draws, web/echarts/entry.js */' \
		--outfile=web/static/echarts/5.6.0/echarts.min.js
