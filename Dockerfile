# ztp-prem images for users with a container engine (see docs/deploy.md "The images"):
#   agents (the default, last stage):  docker build -t ztp-prem:0.1.0 .
#   fleet service and dashboard:        docker build --target fleet -t ztp-prem-fleet:0.1.0 .
# Without an engine, scripts/images builds the same two images with buildah. Both ways stage
# each image's files with scripts/image-rootfs.py from the one list deploy/images/contents
# (binaries stripped, exactly the shared libraries `ldd` names with their Debian copyright
# files, an SPDX SBOM from dpkg's records), and both final images are FROM scratch, user
# 65532, no shell. tests/deploy/check_manifests.py holds this file to that list.
# BuildKit builds only the stages the chosen target needs, so the agents' build never
# waits for npm. SOURCE_DATE_EPOCH (a build argument BuildKit also honours) dates the SBOM.

FROM debian:12 AS build
WORKDIR /src
COPY scripts/bootstrap scripts/bootstrap
RUN scripts/bootstrap
COPY . .
RUN cmake --preset release -DZTP_BENCH=OFF \
 && cmake --build --preset release --target ztp-prem-agent ztp-prem-fleet ztp-prem-enforce ztp-prem-attest \
 && python3 tests/deploy/check_needed.py build/release/bin/ztp-prem-agent deploy/ztp-prem-agent.libs

FROM build AS agents-rootfs
# The SBOM's creation time and ztp-prem's version and revision (.git is not in the context).
ARG SOURCE_DATE_EPOCH=0
ARG ZTP_IMAGE_VERSION=0.1.0
ARG ZTP_IMAGE_REVISION=unknown
ARG ZTP_IMAGE_SOURCE=NOASSERTION
ARG ZTP_IMAGE_LICENSES=NOASSERTION
RUN python3 scripts/image-rootfs.py agents build/release/bin dashboard/dist /out/agents

# The dashboard needs Node >= 20.19 (vite 8; dashboard/package.json "engines").
FROM node:20-bookworm-slim AS dashboard
WORKDIR /src/dashboard
# @playwright/test is a devDependency for the e2e tests; no browser is wanted here.
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
COPY dashboard/package.json dashboard/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY dashboard/ ./
RUN npm run build

FROM build AS fleet-rootfs
# The SBOM's creation time and ztp-prem's version and revision (.git is not in the context).
ARG SOURCE_DATE_EPOCH=0
ARG ZTP_IMAGE_VERSION=0.1.0
ARG ZTP_IMAGE_REVISION=unknown
ARG ZTP_IMAGE_SOURCE=NOASSERTION
ARG ZTP_IMAGE_LICENSES=NOASSERTION
COPY --from=dashboard /src/dashboard/dist/ dashboard/dist/
RUN python3 scripts/image-rootfs.py fleet build/release/bin dashboard/dist /out/fleet

FROM scratch AS fleet
ARG ZTP_IMAGE_VERSION=0.1.0
ARG ZTP_IMAGE_REVISION=unknown
ARG ZTP_IMAGE_SOURCE=NOASSERTION
ARG ZTP_IMAGE_LICENSES=NOASSERTION
COPY --from=fleet-rootfs /out/fleet/rootfs/ /
LABEL org.opencontainers.image.title="ztp-prem fleet service and dashboard" \
      org.opencontainers.image.version=$ZTP_IMAGE_VERSION \
      org.opencontainers.image.revision=$ZTP_IMAGE_REVISION \
      org.opencontainers.image.source=$ZTP_IMAGE_SOURCE \
      org.opencontainers.image.licenses=$ZTP_IMAGE_LICENSES
USER 65532:65532
EXPOSE 8080/tcp
ENTRYPOINT ["/usr/local/bin/ztp-prem-fleet"]
CMD ["--help"]

# The agents. Last, so that a plain `docker build .` still builds this image.
FROM scratch AS agents
ARG ZTP_IMAGE_VERSION=0.1.0
ARG ZTP_IMAGE_REVISION=unknown
ARG ZTP_IMAGE_SOURCE=NOASSERTION
ARG ZTP_IMAGE_LICENSES=NOASSERTION
COPY --from=agents-rootfs /out/agents/rootfs/ /
LABEL org.opencontainers.image.title="ztp-prem agents (ztp-prem-detect, ztp-prem-tpm)" \
      org.opencontainers.image.version=$ZTP_IMAGE_VERSION \
      org.opencontainers.image.revision=$ZTP_IMAGE_REVISION \
      org.opencontainers.image.source=$ZTP_IMAGE_SOURCE \
      org.opencontainers.image.licenses=$ZTP_IMAGE_LICENSES
USER 65532:65532
ENTRYPOINT ["/ztp-prem-detect"]
