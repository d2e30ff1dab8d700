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

# Fleet service (src/fleet).
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)  # libcpp-httplib-dev
find_package(prometheus-cpp CONFIG REQUIRED)                      # prometheus-cpp-dev
find_package(Threads REQUIRED)

# OpenSSL 3 (libssl-dev): SHA-256/HMAC (digest, audit log), TLS (Kubernetes client, fleet).
# Linked by name, not by path: a static probe binary (-static) then takes libssl.a and
# libcrypto.a, while a dynamic binary takes the shared libraries, the same ones Debian's
# shared libcpp-httplib uses, so no process ever holds two copies of OpenSSL.
find_package(OpenSSL 3 REQUIRED)
add_library(ztp_openssl INTERFACE)
target_include_directories(ztp_openssl SYSTEM INTERFACE ${OPENSSL_INCLUDE_DIR})
target_link_libraries(ztp_openssl INTERFACE ssl crypto ${CMAKE_DL_LIBS} Threads::Threads)
