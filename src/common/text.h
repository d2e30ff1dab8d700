#pragma once
// Small parsers for values the kernel prints. Pure functions on string_view:
// they never touch the host, so they are unit-tested and fuzzed on plain strings.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ztp::text {

// Strips ASCII whitespace (space, \t, \n, \r, \v, \f) at both ends.
std::string_view trim(std::string_view s);

// A kernel boolean as sysfs prints it: bool module parameters print "Y"/"N",
// older integer parameters print "1"/"0" (and any other integer, e.g. "-1").
// Trailing newline tolerated. Anything else (empty, garbage) is nullopt.
std::optional<bool> parse_kernel_bool(std::string_view s);

// Unsigned integer in decimal, or hex with a 0x prefix; whole (trimmed) string.
std::optional<std::uint64_t> parse_u64(std::string_view s);

// Value of `key N` in a cgroup "misc.capacity"-style file ("sev 509\nsev_es 10\n").
// nullopt if the key is absent or its value is not a number.
std::optional<std::uint64_t> find_keyed_count(std::string_view file, std::string_view key);

// Whether a whitespace-separated word list (a cpuinfo "flags" value) contains word.
bool has_word(std::string_view words, std::string_view word);

// The value of the first "key<spaces/tabs>: value" line of a cpuinfo-style block.
std::optional<std::string_view> find_colon_field(std::string_view text, std::string_view key);

// Outside bytes made safe for one line of a terminal or a log: printable ASCII kept,
// every other byte (control characters, escape sequences, NUL, non-ASCII) as \xNN,
// cut after max_chars input bytes with "..." appended.
std::string printable(std::string_view s, std::size_t max_chars);

}  // namespace ztp::text
