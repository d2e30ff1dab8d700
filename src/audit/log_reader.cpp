#include "audit/log_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include "common/posix_file.h"

namespace ztp::audit {
namespace {

constexpr std::size_t k_chunk = 1 << 16;

// One segment's lines. Holds at most one chunk plus one partial line; a line handed out
// stays valid until the next call.
class SegmentLines {
 public:
  explicit SegmentLines(ChunkReader read) : m_read(std::move(read)) {}

  // The next line: true with line and offset set, or false at the segment's end (rest()
  // holds what follows the last newline). An overlong line is handed out cut to
  // k_max_line_bytes + 1 bytes, and the rest of it is skipped unread into memory.
  Result<bool> next(std::string_view& line, std::uint64_t& offset) {
    for (;;) {
      const auto nl = m_buf.find('\n', m_scan);
      if (nl != std::string::npos) {
        const bool skipped = std::exchange(m_skipping, false);
        line = std::string_view(m_buf).substr(m_begin, nl - m_begin);
        offset = m_base + m_begin;
        m_begin = m_scan = nl + 1;
        if (skipped) {
          continue;  // the end of an overlong line already handed out
        }
        return true;
      }
      m_scan = m_buf.size();
      if (m_skipping) {
        m_begin = m_buf.size();
      } else if (m_buf.size() - m_begin > k_max_line_bytes) {
        line = std::string_view(m_buf).substr(m_begin, k_max_line_bytes + 1);
        offset = m_base + m_begin;
        m_begin = m_buf.size();
        m_skipping = true;
        return true;
      }
      auto got = fill();
      if (!got) {
        return tl::unexpected(got.error());
      }
      if (*got == 0) {
        return false;
      }
    }
  }
  std::string_view rest() const {
    return m_skipping ? std::string_view() : std::string_view(m_buf).substr(m_begin);
  }
  std::uint64_t rest_offset() const { return m_base + m_begin; }

 private:
  Result<std::size_t> fill() {
    m_buf.erase(0, m_begin);
    m_base += m_begin;
    m_scan -= m_begin;
    m_begin = 0;
    const std::size_t old = m_buf.size();
    m_buf.resize(old + k_chunk);
    auto got = m_read(m_buf.data() + old, k_chunk);
    m_buf.resize(old + (got ? *got : 0));
    return got;
  }

  ChunkReader m_read;
  std::string m_buf;
  std::size_t m_begin = 0;   // first byte not yet handed out
  std::size_t m_scan = 0;    // m_buf[m_begin, m_scan) holds no newline
  std::uint64_t m_base = 0;  // segment offset of m_buf[0]
  bool m_skipping = false;   // inside an overlong line
};

}  // namespace

LogSource LogSource::from_segments(const std::vector<Segment>& segments) {
  LogSource source;
  std::vector<std::filesystem::path> paths;
  for (const auto& s : segments) {
    source.names.push_back(s.path.filename().string());
    paths.push_back(s.path);
  }
  source.open = [paths](std::size_t i) -> Result<ChunkReader> {
    auto fd = open_regular(paths[i], O_RDONLY);
    if (!fd) {
      return tl::unexpected(fd.error());
    }
    auto shared = std::make_shared<UniqueFd>(std::move(*fd));
    return ChunkReader(
        [shared, path = paths[i]](char* buf, std::size_t cap) -> Result<std::size_t> {
          for (;;) {
            const ssize_t n = ::read(shared->get(), buf, cap);
            if (n >= 0) {
              return static_cast<std::size_t>(n);
            }
            if (errno != EINTR) {
              return tl::unexpected(errno_error(path, "read", errno));
            }
          }
        });
  };
  return source;
}

LogSource LogSource::from_memory(const std::vector<SegmentText>& segments) {
  LogSource source;
  for (const auto& s : segments) {
    source.names.push_back(s.name);
  }
  source.open = [&segments](std::size_t i) -> Result<ChunkReader> {
    auto at = std::make_shared<std::size_t>(0);
    const std::string* text = &segments[i].text;
    return ChunkReader([at, text](char* buf, std::size_t cap) -> Result<std::size_t> {
      const std::size_t n = std::min(cap, text->size() - *at);
      std::memcpy(buf, text->data() + *at, n);
      *at += n;
      return n;
    });
  };
  return source;
}

Result<ReadStats> for_each_line(const LogSource& source,
                                const std::function<bool(const LinePos&, std::string_view)>& fn) {
  ReadStats stats;
  LinePos pos;
  for (std::size_t s = 0; s < source.names.size(); ++s) {
    auto reader = source.open(s);
    if (!reader) {
      return tl::unexpected(reader.error());
    }
    SegmentLines lines(std::move(*reader));
    pos.segment = s;
    pos.line = 0;
    std::string_view line;
    for (;;) {
      auto more = lines.next(line, pos.offset);
      if (!more) {
        return tl::unexpected(more.error());
      }
      if (!*more) {
        break;
      }
      ++pos.line;
      ++stats.lines;
      if (!fn(pos, line)) {
        return stats;
      }
      ++pos.ordinal;
    }
    const std::string_view rest = lines.rest();
    if (rest.empty()) {
      continue;
    }
    if (s + 1 < source.names.size()) {
      // A segment that does not end in a newline is not the last: its tail is a line.
      ++pos.line;
      ++stats.lines;
      pos.offset = lines.rest_offset();
      if (!fn(pos, rest)) {
        return stats;
      }
      ++pos.ordinal;
    } else {
      stats.trailing_bytes = rest.size();
      stats.trailing_offset = lines.rest_offset();
    }
  }
  return stats;
}

}  // namespace ztp::audit
