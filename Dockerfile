# tokenmint container image: a static, CGO-free binary (the SQLite driver
# is modernc.org/sqlite, pure Go) in an image FROM scratch: no shell, no
# package manager, a numeric non-root user, the CA certificates for
# outgoing https (client jwks_uri), /data for the default SQLite file.
#
# Standard build (needs the golang image from a registry):
#   podman build -t tokenmint .            (or docker build -t tokenmint .)
#
# Build from a binary built beforehand (no registry at all; the way the
# image is built and tested where only the Go toolchain is at hand):
#   CGO_ENABLED=0 go build -trimpath -o dist/tokenmint ./cmd/tokenmint
#   cp /etc/ssl/certs/ca-certificates.crt dist/ && mkdir -p dist/data
#   podman build --build-arg BINARY=prebuilt -t tokenmint .
# BINARY picks the stage the final image copies from; the unused stage
# is skipped (BuildKit, and podman/buildah's --skip-unused-stages,
# the default), so the prebuilt build pulls nothing.
#
# See docs/deployment.md.

ARG GO_VERSION=1.26
ARG BINARY=build

# The binary built from source, with the CA certificates of the Go image.
FROM docker.io/library/golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /dist/tokenmint ./cmd/tokenmint \
 && cp /etc/ssl/certs/ca-certificates.crt /dist/ \
 && mkdir /dist/data

# The binary built beforehand, from the build context's dist/.
FROM scratch AS prebuilt
COPY dist/tokenmint dist/ca-certificates.crt /dist/
COPY dist/data /dist/data

FROM ${BINARY} AS binary

FROM scratch
COPY --from=binary /dist/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=binary /dist/tokenmint /usr/local/bin/tokenmint
# The SQLite database and its generated master key file live in /data:
# mount a volume there (or set TOKENMINT_DATABASE to PostgreSQL).
COPY --from=binary --chown=65532:65532 /dist/data /data
USER 65532:65532
ENV TOKENMINT_ADDR=:8080 \
    TOKENMINT_DATABASE=sqlite:/data/tokenmint.db
VOLUME /data
EXPOSE 8080
# tokenmint healthcheck GETs /readyz on TOKENMINT_ADDR: exit 0 when the
# database takes writes and the signing keys are loaded.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/tokenmint", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/tokenmint"]
CMD ["serve"]
