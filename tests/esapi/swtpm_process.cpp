#include "swtpm_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

namespace ztp::testing {
namespace {

// The swtpm TCTI's default port; we must never end up there (research note tpm.md 4).
constexpr unsigned k_default_swtpm_port = 2321;

int loopback_socket(unsigned port, bool listen_only) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return -1;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const auto* sa = reinterpret_cast<const sockaddr*>(&addr);
  const int rc = listen_only ? ::bind(fd, sa, sizeof addr) : ::connect(fd, sa, sizeof addr);
  if (rc != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// A port P with P and P+1 both free on loopback (server and control channel).
std::optional<unsigned> free_port_pair() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    const int fd = loopback_socket(0, true);
    if (fd < 0) {
      return std::nullopt;
    }
    sockaddr_in addr{};
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    const unsigned port = ntohs(addr.sin_port);
    const int next = port < 65535 ? loopback_socket(port + 1, true) : -1;
    ::close(fd);
    if (next >= 0) {
      ::close(next);
      if (port != k_default_swtpm_port && port + 1 != k_default_swtpm_port) {
        return port;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> SwtpmProcess::find_executable() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const auto candidate = std::filesystem::path(dir.empty() ? "." : dir) / "swtpm";
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate.string();
    }
  }
  return std::nullopt;
}

Result<std::unique_ptr<SwtpmProcess>> SwtpmProcess::start(const std::string& executable,
                                                          const std::string& state_dir) {
  std::unique_ptr<SwtpmProcess> p(new SwtpmProcess());
  const auto port = free_port_pair();
  if (!port) {
    return fail(ErrorKind::io_error, "no free loopback port pair for swtpm");
  }
  p->m_port = *port;
  const std::string state = state_dir.empty() ? p->m_state.str() : state_dir;
  const std::string log = p->m_state.str() + "/swtpm.log";
  std::vector<std::string> args = {
      executable,
      "socket",
      "--tpm2",
      "--tpmstate",
      "dir=" + state,
      "--server",
      "type=tcp,port=" + std::to_string(*port) + ",bindaddr=127.0.0.1",
      "--ctrl",
      "type=tcp,port=" + std::to_string(*port + 1) + ",bindaddr=127.0.0.1",
      // We send TPM2_Startup ourselves; not-need-init skips the control-channel INIT.
      "--flags",
      "not-need-init",
      "--log",
      "file=" + log,
  };
  std::vector<char*> argv;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    return fail(ErrorKind::io_error, "fork failed");
  }
  if (pid == 0) {
    // Die with the test process, whatever happens to it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) {
      ::_exit(127);
    }
    const int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      ::dup2(devnull, STDIN_FILENO);
      ::dup2(devnull, STDOUT_FILENO);
      ::dup2(devnull, STDERR_FILENO);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  p->m_pid = pid;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      p->m_pid = -1;
      return fail(ErrorKind::io_error, "swtpm exited early (status " + std::to_string(status) +
                                           "); see its log in " + log);
    }
    const int fd = loopback_socket(*port, false);
    if (fd >= 0) {
      ::close(fd);
      return p;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return fail(ErrorKind::io_error, "swtpm did not open port " + std::to_string(*port));
}

SwtpmProcess::~SwtpmProcess() {
  if (m_pid <= 0) {
    return;
  }
  ::kill(m_pid, SIGTERM);
  for (int i = 0; i < 200; ++i) {
    if (::waitpid(m_pid, nullptr, WNOHANG) == m_pid) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(m_pid, SIGKILL);
  ::waitpid(m_pid, nullptr, 0);
}

std::string SwtpmProcess::tcti_config() const {
  return "swtpm:host=127.0.0.1,port=" + std::to_string(m_port);
}

}  // namespace ztp::testing
