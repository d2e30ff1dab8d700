# Compile settings every target of ours links PRIVATE (ccache's standard_settings model).
add_library(ztp_settings INTERFACE)
target_compile_options(ztp_settings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Wnull-dereference -Werror
  # GCC 12 reports false -Wrestrict on std::string operator+ at -O2+ (GCC PR105651).
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
target_compile_definitions(ztp_settings INTERFACE
  ZTP_VERSION="${PROJECT_VERSION}"
  $<$<CONFIG:Debug>:_GLIBCXX_ASSERTIONS>)

if(ZTP_STATIC)
  # Each function and object in its own section, so the static probes' link can drop what
  # they never call (--gc-sections in cmd/CMakeLists.txt): a smaller image faults in fewer
  # pages, and peak RSS is what a DaemonSet pays on every node.
  target_compile_options(ztp_settings INTERFACE -ffunction-sections -fdata-sections)
endif()

if(ZTP_SANITIZE)
  target_compile_options(ztp_settings INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(ztp_settings INTERFACE -fsanitize=address,undefined)
endif()

if(ZTP_FUZZ)
  # Coverage instrumentation for libFuzzer in every library; targets link -fsanitize=fuzzer.
  target_compile_options(ztp_settings INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  target_link_options(ztp_settings INTERFACE -fsanitize=address,undefined)
endif()
