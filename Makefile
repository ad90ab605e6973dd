# Amplifi Dispatch — the two commands a new machine needs are `make demo` and `make test`.
# Both install what is missing first (scripts/install-deps.sh).

SWIFT_BUILD_FLAGS ?=

.PHONY: deps build lint check-manifests test chaos-short demo clean

deps:
	@scripts/install-deps.sh

build: deps
	swift build $(SWIFT_BUILD_FLAGS)

## The formatting rules of .swift-format, checked strictly (swift-format ships with the toolchain).
## `swift format format -i -r Package.swift Sources Tests` applies them.
lint:
	swift format lint --strict -r Package.swift Plugins Sources Tests

## The files in deploy/ checked against the built binary: every YAML/JSON file parses, every
## subcommand and flag they run exists in `amplifi … --help`, every AMPLIFI_*/TWILIO_* variable and
## amplifi_* metric they name exists in Sources/ (scripts/check-manifests.py).
check-manifests:
	scripts/check-manifests.py "$$(swift build --show-bin-path $(SWIFT_BUILD_FLAGS))/amplifi"

## Runs every test against real Postgres and Redis servers that the tests start
## themselves (or AMPLIFI_TEST_DATABASE_URL / AMPLIFI_TEST_REDIS_URL when set).
## The fleets on a misbehaving carrier (dozens of processes each), the fleet sharing a carrier
## account's concurrency budget and the planner crash test
## (60,000 contacts planned twice by real processes) run after the rest, so they do not starve the
## timing-sensitive tests of a 2-core machine, nor are starved by them. The HTTP fleet tests
## (the API's event stream and documented-API client while real workers send, the carrier-sim
## server end to end with callbacks out of order, a reply during a campaign) follow in a phase of
## their own: in the bulk,
## beside the 100,000-contact planner and importer tests, their callbacks came late enough to
## miss a 90 s window.
## The fuzz tests (thousands of seeded cases per parser, CPU-bound) run on their own too, so they
## do not slow the rate limiter's and the fleets' timing-sensitive tests.
## The tests that judge time itself (a sender number's pacing measured at the carrier, a pool
## call's wall time, deadlines of the receiver and of Redis reconnects) run in a phase of their own
## right after the bulk, one test at a time (about 40 s), so neither a hundred other suites
## starting servers at once nor each other can push them past their windows.
FLEET_TESTS = MisbehavingCarrierTests|PlannerCrashTests|CarrierBudgetFleetTests
HTTP_FLEET_TESTS = APIFleetTests|CarrierSimulatorEndToEndTests|ReplyPriorityFleetTests
FUZZ_TESTS = FuzzTests
TIMING_TESTS = ClaimSafetyTests|PostgresPoolTests|AutoReplyLimitsTests|ReceiverHardeningTests|RedisClientTests|ReceiverTests|SenderRateLimiterTests
test: deps lint
	swift build --build-tests $(SWIFT_BUILD_FLAGS)
	$(MAKE) check-manifests
	swift test --skip-build --skip '$(FLEET_TESTS)|$(HTTP_FLEET_TESTS)|$(FUZZ_TESTS)|$(TIMING_TESTS)' $(SWIFT_BUILD_FLAGS)
	swift test --skip-build --no-parallel --filter '$(TIMING_TESTS)' $(SWIFT_BUILD_FLAGS)
	swift test --skip-build --filter '$(FLEET_TESTS)' $(SWIFT_BUILD_FLAGS)
	swift test --skip-build --filter '$(HTTP_FLEET_TESTS)' $(SWIFT_BUILD_FLAGS)
	swift test --skip-build --filter '$(FUZZ_TESTS)' $(SWIFT_BUILD_FLAGS)
	$(MAKE) chaos-short

## A short seeded chaos run (docs/reliability.md): a minute of faults on 3,000 recipients with
## real worker, scheduler and receiver processes; exits non-zero when an invariant is broken.
chaos-short:
	"$$(swift build --show-bin-path $(SWIFT_BUILD_FLAGS))/amplifi" chaos --seed 7 --duration 60 --recipients 3000 \
		--workers 3 --directory .build/chaos-short

## The embedded demo: local Postgres + Redis under .amplifi/, migrated, ready.
demo: build
	.build/debug/amplifi demo

clean:
	rm -rf .build .amplifi
