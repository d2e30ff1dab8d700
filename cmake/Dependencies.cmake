# Every dependency comes from a Debian package installed by scripts/bootstrap.
find_package(nlohmann_json 3.10 REQUIRED)   # nlohmann-json3-dev
find_package(CLI11 REQUIRED)                # libcli11-dev
find_package(tl-expected REQUIRED)          # libexpected-dev
find_package(Boost 1.81 REQUIRED)           # libboost1.81-dev: Beast/Asio (header-only)
find_package(Threads REQUIRED)
# libyaml-cpp-dev (kubeconfig). Its CMake package exports only the shared
# library; the static build links the archive the same package ships.
find_package(yaml-cpp REQUIRED)
if(ZTP_STATIC)
  find_library(ZTP_YAML_CPP_ARCHIVE NAMES libyaml-cpp.a REQUIRED)
  add_library(ztp_yaml INTERFACE)
  target_link_libraries(ztp_yaml INTERFACE ${ZTP_YAML_CPP_ARCHIVE})
  target_include_directories(ztp_yaml INTERFACE ${YAML_CPP_INCLUDE_DIR})
else()
  add_library(ztp_yaml INTERFACE)
  target_link_libraries(ztp_yaml INTERFACE yaml-cpp)
endif()
find_package(GTest REQUIRED)                # libgtest-dev, libgmock-dev
if(ZTP_BENCH)
  find_package(benchmark REQUIRED)          # libbenchmark-dev
endif()
# tpm2-tss (libtss2-dev) for src/esapi (ESAPI and the two TCTIs linked directly, no
# tctildr) and src/tpmquote (MU only). Debian ships no static tss2 archives: only the
# dynamic binaries link these (ztp-prem-tpm, ztp-prem-audit; never ztp-prem-detect).
find_package(PkgConfig REQUIRED)
pkg_check_modules(TSS2 REQUIRED IMPORTED_TARGET tss2-esys tss2-mu tss2-tcti-device
                  tss2-tcti-swtpm)
pkg_check_modules(TSS2_MU REQUIRED IMPORTED_TARGET tss2-mu)

# libarchive-dev: the tar stream of `--capture -` (src/cli/capture_output.cpp), for pods whose
# image has no tar. Debian builds libarchive.a with -ffunction-sections, so a static link with
# --gc-sections keeps the pax writer only; without it, the format table would drag in every
# writer and with them zlib, xz, bzip2, nettle, libxml2 and ICU (a 35 MB probe).
pkg_check_modules(LIBARCHIVE REQUIRED IMPORTED_TARGET libarchive)
add_library(ztp_archive INTERFACE)
if(ZTP_STATIC)
  find_library(ZTP_LIBARCHIVE_ARCHIVE NAMES libarchive.a REQUIRED)
  target_link_libraries(ztp_archive INTERFACE ${ZTP_LIBARCHIVE_ARCHIVE})
  target_include_directories(ztp_archive SYSTEM INTERFACE ${LIBARCHIVE_INCLUDE_DIRS})
  target_link_options(ztp_archive INTERFACE -Wl,--gc-sections)
else()
  target_link_libraries(ztp_archive INTERFACE PkgConfig::LIBARCHIVE)
endif()

# Fleet service (src/fleet); its HTTP server is src/http on Boost.Beast/Asio.
find_package(prometheus-cpp CONFIG REQUIRED)                      # prometheus-cpp-dev

# OpenSSL 3 (libssl-dev): SHA-256/HMAC (digest, audit log), TLS (Kubernetes client, src/http).
# Linked by name, not by path: a static probe binary (-static) then takes libssl.a and
# libcrypto.a, while a dynamic binary takes the shared libraries.
find_package(OpenSSL 3 REQUIRED)
add_library(ztp_openssl INTERFACE)
target_include_directories(ztp_openssl SYSTEM INTERFACE ${OPENSSL_INCLUDE_DIR})
target_link_libraries(ztp_openssl INTERFACE ssl crypto ${CMAKE_DL_LIBS} Threads::Threads)
