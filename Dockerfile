# Amplifi Dispatch — one image, every role (`amplifi scheduler`, `amplifi worker`, …).
#
# Stage 1 builds with the Swift toolchain against Debian's libpq and hiredis;
# stage 2 is slim Debian with only the C libraries and the statically linked
# Swift runtime. Migrations ship in /usr/share/amplifi/sql, where
# `amplifi migrate` looks beside the binary. The Swift backtracer (static build) prints a
# symbolicated crash report to stderr, where the pod's logs keep it.
#   docker build --build-arg VERSION=$(git describe --tags --always) -t amplifi:0.13.0 .

FROM swift:6.2-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq-dev libhiredis-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Resolve dependencies first so source edits reuse this layer.
COPY Package.swift ./
COPY Plugins ./Plugins
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
# The image's version is baked into the binary (`amplifi --version`): the context has no .git.
ARG VERSION=0.13.0
RUN AMPLIFI_BUILD_VERSION="${VERSION}" swift build -c release --product amplifi --static-swift-stdlib \
 && install -D "$(swift build -c release --show-bin-path)/amplifi" /out/usr/bin/amplifi
COPY sql /out/usr/share/amplifi/sql
RUN install -D /usr/libexec/swift/linux/swift-backtrace-static /out/usr/libexec/swift/linux/swift-backtrace-static

FROM debian:bookworm-slim
ARG VERSION=0.13.0
LABEL org.opencontainers.image.title="amplifi" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="https://github.com/amplifi/dispatch"
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 libhiredis0.14 ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 amplifi \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent amplifi
COPY --from=build /out/ /
ENV SWIFT_BACKTRACE=enable=yes,sanitize=yes,threads=all,images=mentioned,interactive=no,swift-backtrace=/usr/libexec/swift/linux/swift-backtrace-static
USER 10001:10001
ENTRYPOINT ["/usr/bin/amplifi"]
CMD ["--help"]
