# Amplifi Dispatch — the two commands a new machine needs are `make demo` and `make test`.
# Both install what is missing first (scripts/install-deps.sh).

SWIFT_BUILD_FLAGS ?=

.PHONY: deps build test demo clean

deps:
	@scripts/install-deps.sh

build: deps
	swift build $(SWIFT_BUILD_FLAGS)

## Runs every test against real Postgres and Redis servers that the tests start
## themselves (or AMPLIFI_TEST_DATABASE_URL / AMPLIFI_TEST_REDIS_URL when set).
## The fleets on a misbehaving carrier (dozens of processes each) and the planner crash test
## (60,000 contacts planned twice by real processes) run after the rest, so they do not starve the
## timing-sensitive tests of a 2-core machine, nor are starved by them.
FLEET_TESTS = MisbehavingCarrierTests|PlannerCrashTests
test: deps
	swift build --build-tests $(SWIFT_BUILD_FLAGS)
	swift test --skip-build --skip '$(FLEET_TESTS)' $(SWIFT_BUILD_FLAGS)
	swift test --skip-build --filter '$(FLEET_TESTS)' $(SWIFT_BUILD_FLAGS)

## The embedded demo: local Postgres + Redis under .amplifi/, migrated, ready.
demo: build
	.build/debug/amplifi demo

clean:
	rm -rf .build .amplifi
