# ztp-prem images, one Dockerfile (see docs/deploy.md):
#   agents (the default, last stage):  docker build -t ztp-prem:0.1.0 .
#   fleet service and dashboard:        docker build --target fleet -t ztp-prem-fleet:0.1.0 .
# The agent image holds no shell and no CA bundle: the agents use the service account's
# ca.crt, numeric user 65532 and UTC timestamps. ztp-prem-detect is static; ztp-prem-tpm
# links tpm2-tss (shared only in Debian), so the image also carries exactly the shared
# libraries deploy/ztp-prem-tpm.libs lists (checked against `ldd` at build time).
# BuildKit builds only the stages the chosen target needs, so the agents' build never
# waits for npm.

FROM debian:12 AS build
WORKDIR /src
COPY scripts/bootstrap scripts/bootstrap
RUN scripts/bootstrap
COPY . .
RUN cmake --preset release -DZTP_BENCH=OFF \
 && cmake --build --preset release --target ztp-prem-detect \
 && if cmake --build --preset release --target help | grep -q 'ztp-prem-tpm'; then \
      cmake --build --preset release --target ztp-prem-tpm; fi \
 && mkdir /out \
 && strip -o /out/ztp-prem-detect build/release/bin/ztp-prem-detect \
 && python3 tests/deploy/check_static.py /out ztp-prem-detect \
 && if [ -f build/release/bin/ztp-prem-tpm ]; then \
      strip -o /out/ztp-prem-tpm build/release/bin/ztp-prem-tpm \
      && python3 tests/deploy/check_needed.py /out/ztp-prem-tpm deploy/ztp-prem-tpm.libs \
      && for lib in $(ldd /out/ztp-prem-tpm | awk '$3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do \
           cp --parents -L "$lib" /out/; \
         done; \
    fi

# The fleet service links Debian's shared libraries (cmd/CMakeLists.txt), so it is built
# apart from the static probes and runs on debian:12-slim, not scratch.
FROM build AS fleet-build
RUN cmake --build --preset release --target ztp-prem-fleet \
 && install -D -m 0755 -s build/release/bin/ztp-prem-fleet /out-fleet/usr/local/bin/ztp-prem-fleet

# The dashboard needs Node >= 20.19 (vite 8; dashboard/package.json "engines").
FROM node:20-bookworm-slim AS dashboard
WORKDIR /src/dashboard
# @playwright/test is a devDependency for the e2e tests; no browser is wanted here.
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
COPY dashboard/package.json dashboard/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY dashboard/ ./
RUN npm run build

FROM debian:12-slim AS fleet
# Exactly the libraries `ldd ztp-prem-fleet` names beyond libc6, libgcc-s1 and libstdc++6
# (libstdc++6 is already in the slim image; listed so the set is complete).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libssl3 libprometheus-cpp-core1.0 libstdc++6 \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 65532 ztp-prem \
 && useradd --system --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin ztp-prem
COPY --from=fleet-build /out-fleet/ /
# <prefix>/bin/ztp-prem-fleet looks for <prefix>/share/ztp-prem/dashboard
# (default_dashboard_dir, src/fleet/dashboard_assets.cpp).
COPY --from=dashboard /src/dashboard/dist/ /usr/local/share/ztp-prem/dashboard/
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/ztp-prem-fleet"]
CMD ["--help"]

# The agents. Last, so that a plain `docker build .` still builds this image.
FROM scratch AS agents
COPY --from=build /out/ /
USER 65532:65532
ENTRYPOINT ["/ztp-prem-detect"]
