# ztp-prem agent image: both probe binaries, statically linked, on scratch.
# Build:  docker build -t ztp-prem:0.1.0 .     (see docs/deploy.md)
# The image holds no shell, no libc, no CA bundle: the agents use the service
# account's ca.crt, numeric user 65532 and UTC timestamps.

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
 && for b in build/release/bin/ztp-prem-*; do \
      strip -o "/out/$(basename "$b")" "$b"; \
      python3 tests/deploy/check_static.py /out "$(basename "$b")"; \
    done

FROM scratch
COPY --from=build /out/ /
USER 65532:65532
ENTRYPOINT ["/ztp-prem-detect"]
