#include "audit/key_state.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "audit/record.h"
#include "report/document.h"

namespace ztp::audit {
namespace {

using nlohmann::json;

constexpr std::size_t k_header_size = 128;
constexpr std::size_t k_slot_size = 192;
constexpr std::size_t k_file_size = k_header_size + 2 * k_slot_size;

std::uint64_t slot_offset(int slot) {
  return k_header_size + static_cast<std::uint64_t>(slot) * k_slot_size;
}

std::string pad(std::string text, std::size_t size) {
  text.resize(size - 1, ' ');
  text += '\n';
  return text;
}

Result<std::string> check_of(std::uint64_t epoch, const Bytes32& key) {
  auto digest = sha256(std::to_string(epoch) + ":" + to_hex(key));
  if (!digest) {
    return tl::unexpected(digest.error());
  }
  return to_hex(*digest).substr(0, 16);
}

Result<std::string> slot_text(std::uint64_t epoch, const Bytes32& key) {
  auto check = check_of(epoch, key);
  if (!check) {
    return tl::unexpected(check.error());
  }
  const json j = {{"check", *check}, {"epoch", epoch}, {"key", to_hex(key)}};
  return pad(j.dump(), k_slot_size);
}

struct Slot {
  std::uint64_t epoch = 0;
  Bytes32 key{};
};

std::optional<Slot> parse_slot(std::string_view text) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return std::nullopt;
  }
  const auto check = j.find("check");
  const auto epoch = j.find("epoch");
  const auto key = j.find("key");
  if (check == j.end() || epoch == j.end() || key == j.end() || !check->is_string() ||
      !epoch->is_number_unsigned() || !key->is_string()) {
    return std::nullopt;
  }
  const auto bytes = from_hex(key->get<std::string>());
  if (!bytes) {
    return std::nullopt;
  }
  Slot slot{epoch->get<std::uint64_t>(), *bytes};
  const auto expected = check_of(slot.epoch, slot.key);
  if (!expected || *expected != check->get<std::string>()) {
    return std::nullopt;
  }
  return slot;
}

Result<void> lock(const UniqueFd& fd, const std::filesystem::path& path) {
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return fail(ErrorKind::io_error, "audit log key '" + path.string() +
                                           "' is locked: another process is appending to "
                                           "this log");
    }
    return tl::unexpected(errno_error(path, "flock", errno));
  }
  return {};
}

}  // namespace

std::uint64_t epoch_of(const LogParams& params, std::chrono::system_clock::time_point t) {
  if (t <= params.start || params.epoch_seconds == 0) {
    return 1;
  }
  const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(t - params.start).count();
  return 1 + static_cast<std::uint64_t>(elapsed) / params.epoch_seconds;
}

KeyState::~KeyState() { wipe(m_key); }

Result<KeyState> KeyState::create(const std::filesystem::path& path, const LogParams& params,
                                  std::uint64_t epoch, const Bytes32& key) {
  auto fd = open_file(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
  if (!fd) {
    return tl::unexpected(fd.error());
  }
  if (auto ok = lock(*fd, path); !ok) {
    return tl::unexpected(ok.error());
  }
  const json header = {{"epochSeconds", params.epoch_seconds},
                       {"log", params.log_id},
                       {"start", report::format_rfc3339(params.start)},
                       {"v", k_format_version}};
  auto slot = slot_text(epoch, key);
  if (!slot) {
    return tl::unexpected(slot.error());
  }
  const std::string content = pad(header.dump(), k_header_size) + *slot + pad("", k_slot_size);
  if (auto ok = write_all_at(fd->get(), path, content, 0); !ok) {
    return tl::unexpected(ok.error());
  }
  if (auto ok = sync_file(fd->get(), path); !ok) {
    return tl::unexpected(ok.error());
  }
  if (auto ok = sync_dir(path.parent_path()); !ok) {
    return tl::unexpected(ok.error());
  }
  KeyState state;
  state.m_path = path;
  state.m_fd = std::move(*fd);
  state.m_params = params;
  state.m_epoch = epoch;
  state.m_key = key;
  state.m_slot = 0;
  return state;
}

namespace {

// The key state file, opened, checked private, locked and read whole.
struct OpenedFile {
  UniqueFd fd;
  std::string content;
};

Result<OpenedFile> open_key_file(const std::filesystem::path& path) {
  // The key state is the file itself, never a link: a symlinked seal.key would have the
  // node write its key state wherever the link points (redteam.md T25).
  const RegularOpen how{.follow_symlinks = false};
  auto fd = open_regular(path, O_RDWR, how);
  if (!fd) {
    // A read-only file system still lets the node report its head; sealing then stalls.
    if (fd.error().sys_errno != EROFS) {
      return tl::unexpected(fd.error());
    }
    fd = open_regular(path, O_RDONLY, how);
    if (!fd) {
      return tl::unexpected(fd.error());
    }
  }
  if (auto ok = check_private(fd->get(), path); !ok) {
    return tl::unexpected(ok.error());
  }
  if (auto ok = lock(*fd, path); !ok) {
    return tl::unexpected(ok.error());
  }
  auto content = read_all(fd->get(), path, k_file_size + 1);
  if (!content) {
    return tl::unexpected(content.error());
  }
  if (content->size() != k_file_size) {
    return fail(ErrorKind::bad_input, "audit key state '" + path.string() + "' has " +
                                          std::to_string(content->size()) + " bytes, not " +
                                          std::to_string(k_file_size));
  }
  return OpenedFile{std::move(*fd), std::move(*content)};
}

Result<LogParams> parse_header(std::string_view text, const std::filesystem::path& path) {
  const json header = json::parse(text.substr(0, k_header_size), nullptr, false);
  if (header.is_discarded() || !header.is_object() || !header.contains("log") ||
      !header["log"].is_string() || !header.contains("start") || !header["start"].is_string() ||
      !header.contains("epochSeconds") || !header["epochSeconds"].is_number_unsigned()) {
    return fail(ErrorKind::bad_input, "audit key state '" + path.string() + "': bad header");
  }
  const auto start = parse_rfc3339(header["start"].get<std::string>());
  LogParams params;
  params.log_id = header["log"].get<std::string>();
  params.epoch_seconds = header["epochSeconds"].get<std::uint64_t>();
  if (!start || params.epoch_seconds == 0) {
    return fail(ErrorKind::bad_input, "audit key state '" + path.string() + "': bad header");
  }
  params.start = *start;
  return params;
}

// The newer intact slot (index and content); the caller wipes the key when done.
Result<std::pair<int, Slot>> newest_slot(std::string_view text, const std::filesystem::path& path) {
  std::optional<Slot> slots[2] = {parse_slot(text.substr(slot_offset(0), k_slot_size)),
                                  parse_slot(text.substr(slot_offset(1), k_slot_size))};
  if (!slots[0] && !slots[1]) {
    return fail(ErrorKind::bad_input,
                "audit key state '" + path.string() + "' holds no intact key slot");
  }
  int chosen = slots[0] ? 0 : 1;
  if (slots[0] && slots[1] && slots[1]->epoch > slots[0]->epoch) {
    chosen = 1;
  }
  std::pair<int, Slot> out{chosen, *slots[chosen]};
  for (auto& slot : slots) {
    if (slot) {
      wipe(slot->key);
    }
  }
  return out;
}

}  // namespace

Result<KeyState> KeyState::open(const std::filesystem::path& path) {
  auto file = open_key_file(path);
  if (!file) {
    return tl::unexpected(file.error());
  }
  const std::string_view text(file->content);
  auto params = parse_header(text, path);
  if (!params) {
    return tl::unexpected(params.error());
  }
  auto slot = newest_slot(text, path);
  if (!slot) {
    return tl::unexpected(slot.error());
  }
  KeyState state;
  state.m_path = path;
  state.m_params = std::move(*params);
  state.m_slot = slot->first;
  state.m_epoch = slot->second.epoch;
  state.m_key = slot->second.key;
  wipe(slot->second.key);
  state.m_fd = std::move(file->fd);
  // A crash between writing the new slot and blanking the old leaves both: blank the older.
  const int other = 1 - state.m_slot;
  const std::string blank = pad("", k_slot_size);
  if (text.substr(slot_offset(other), k_slot_size) != blank) {
    if (write_all_at(state.m_fd.get(), path, blank, slot_offset(other))) {
      (void)sync_data(state.m_fd.get(), path);
    }
  }
  return state;
}

Result<void> KeyState::evolve_to(std::uint64_t epoch) {
  if (epoch <= m_epoch) {
    if (!m_stale_slot) {
      return {};
    }
    // An earlier evolve could not blank the old slot: the old key is still there.
    if (auto ok = write_all_at(m_fd.get(), m_path, pad("", k_slot_size), slot_offset(1 - m_slot));
        !ok) {
      return ok;
    }
    if (auto ok = sync_data(m_fd.get(), m_path); !ok) {
      return ok;
    }
    m_stale_slot = false;
    return {};
  }
  auto next = evolve_key(m_key, m_epoch, epoch);
  if (!next) {
    return tl::unexpected(next.error());
  }
  auto text = slot_text(epoch, *next);
  if (!text) {
    return tl::unexpected(text.error());
  }
  const int spare = 1 - m_slot;
  if (auto ok = write_all_at(m_fd.get(), m_path, *text, slot_offset(spare)); !ok) {
    return ok;
  }
  if (auto ok = sync_data(m_fd.get(), m_path); !ok) {
    return ok;
  }
  // The new key is durable: from here on the old one is gone from memory.
  wipe(m_key);
  m_key = *next;
  m_epoch = epoch;
  const int old = m_slot;
  m_slot = spare;
  m_stale_slot = true;
  if (auto ok = write_all_at(m_fd.get(), m_path, pad("", k_slot_size), slot_offset(old)); !ok) {
    return ok;
  }
  if (auto ok = sync_data(m_fd.get(), m_path); !ok) {
    return ok;
  }
  m_stale_slot = false;
  return {};
}

}  // namespace ztp::audit
