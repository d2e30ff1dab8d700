# Every dependency comes from a Debian package installed by scripts/bootstrap.
find_package(nlohmann_json 3.10 REQUIRED)   # nlohmann-json3-dev
find_package(CLI11 REQUIRED)                # libcli11-dev
find_package(tl-expected REQUIRED)          # libexpected-dev
find_package(GTest REQUIRED)                # libgtest-dev, libgmock-dev
if(ZTP_BENCH)
  find_package(benchmark REQUIRED)          # libbenchmark-dev
endif()
# tpm2-tss ESAPI for src/esapi (tests and later quote work; never the probe binaries).
find_package(PkgConfig REQUIRED)
pkg_check_modules(TSS2 REQUIRED IMPORTED_TARGET tss2-esys tss2-tctildr)  # libtss2-dev

if(ZTP_STATIC)
  set(OPENSSL_USE_STATIC_LIBS TRUE)         # libcrypto.a for the static probe binaries
endif()
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)  # libssl-dev
