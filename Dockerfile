# Amplifi Dispatch — one image, every role (`amplifi scheduler`, `amplifi worker`, …).
#
# Stage 1 builds with the Swift toolchain against Debian's libpq and hiredis;
# stage 2 is slim Debian with only the C libraries and the statically linked
# Swift runtime. Migrations ship in /usr/share/amplifi/sql, where
# `amplifi migrate` looks beside the binary.

FROM swift:6.2-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq-dev libhiredis-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Resolve dependencies first so source edits reuse this layer.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product amplifi --static-swift-stdlib \
 && install -D "$(swift build -c release --show-bin-path)/amplifi" /out/usr/bin/amplifi
COPY sql /out/usr/share/amplifi/sql

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 libhiredis0.14 ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /nonexistent amplifi
COPY --from=build /out/ /
USER amplifi
ENTRYPOINT ["/usr/bin/amplifi"]
CMD ["--help"]
