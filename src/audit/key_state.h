#pragma once
// The node's sealing state, DIR/seal.key (mode 0600): the log's public parameters and
// the CURRENT epoch key only. Evolving writes the new key into the spare slot, syncs,
// then overwrites the old slot with spaces and syncs again, so after evolve_to()
// returns no earlier key is left in the file, and a crash at any point leaves at least
// one complete slot (each slot carries a checksum; a torn slot is ignored at open).
//
// Layout (fixed offsets, so rewriting happens in place rather than by rename, which
// would leave the old key in the freed blocks of the replaced file):
//   [0, 128)    {"epochSeconds":N,"log":"<32 hex>","start":"<RFC 3339>","v":1}  padded
//   [128, 320)  slot A  {"check":"<16 hex>","epoch":N,"key":"<64 hex>"}          padded
//   [320, 512)  slot B  same; a blank slot is all spaces
// Each region ends in '\n'. The file is locked (flock LOCK_EX) while a KeyState is open,
// so two agents cannot append to one log.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "audit/crypto.h"
#include "common/posix_file.h"
#include "common/result.h"

namespace ztp::audit {

struct LogParams {
  std::string log_id;                           // 32 hex digits
  std::chrono::system_clock::time_point start;  // setup time, second precision
  std::uint64_t epoch_seconds = 900;
};

// Epoch 0 is the genesis record's alone; time epochs count from 1:
// 1 + floor((t - start) / epoch_seconds), and 1 for any t before start.
std::uint64_t epoch_of(const LogParams& params, std::chrono::system_clock::time_point t);

class KeyState {
 public:
  static constexpr const char* k_file_name = "seal.key";

  // Creates the file (O_EXCL, 0600) holding key for epoch, synced with its directory.
  static Result<KeyState> create(const std::filesystem::path& path, const LogParams& params,
                                 std::uint64_t epoch, const Bytes32& key);
  // Refuses group/other-accessible files and a file locked by another process.
  static Result<KeyState> open(const std::filesystem::path& path);

  KeyState(KeyState&&) noexcept = default;
  KeyState& operator=(KeyState&&) noexcept = default;
  ~KeyState();

  const LogParams& params() const { return m_params; }
  std::uint64_t epoch() const { return m_epoch; }
  const Bytes32& key() const { return m_key; }

  // Moves to a later epoch; the earlier key is erased from memory and from the file.
  Result<void> evolve_to(std::uint64_t epoch);

 private:
  KeyState() = default;
  std::filesystem::path m_path;
  UniqueFd m_fd;
  LogParams m_params;
  std::uint64_t m_epoch = 0;
  Bytes32 m_key{};
  int m_slot = 0;
  bool m_stale_slot = false;  // the previous key's slot is not blank yet
};

}  // namespace ztp::audit
