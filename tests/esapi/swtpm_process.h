#pragma once
// A private swtpm (TPM 2.0 simulator) on a loopback port chosen at run time,
// owned by the test: started in the constructor, killed and reaped in the destructor,
// and killed by the kernel if the test process dies first (PR_SET_PDEATHSIG).

#include <sys/types.h>

#include <optional>
#include <string>

#include "common/result.h"
#include "testlib/temp_tree.h"

namespace ztp::testing {

class SwtpmProcess {
 public:
  // The swtpm executable on PATH, if installed (Debian package swtpm).
  static std::optional<std::string> find_executable();

  // Starts "swtpm socket --tpm2" on 127.0.0.1:port (and port+1 for its control
  // channel) and waits until it accepts connections. state_dir: a TPM state made before
  // (swtpm_setup --create-ek-cert); empty = a fresh TPM in a private directory.
  static Result<std::unique_ptr<SwtpmProcess>> start(const std::string& executable,
                                                     const std::string& state_dir = "");

  SwtpmProcess(const SwtpmProcess&) = delete;
  SwtpmProcess& operator=(const SwtpmProcess&) = delete;
  ~SwtpmProcess();

  unsigned port() const { return m_port; }
  pid_t pid() const { return m_pid; }
  // "swtpm:host=127.0.0.1,port=N": always explicit, never the 2321 default.
  std::string tcti_config() const;

 private:
  SwtpmProcess() = default;
  TempTree m_state;
  pid_t m_pid = -1;
  unsigned m_port = 0;
};

}  // namespace ztp::testing

// A test that needs swtpm skips, with the reason, where it is not installed.
#define REQUIRE_SWTPM(tpm)                    \
  if (!(tpm)) {                               \
    GTEST_SKIP() << "swtpm is not installed"; \
  }
