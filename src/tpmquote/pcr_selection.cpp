#include "tpmquote/pcr_selection.h"

#include <tss2/tss2_mu.h>

#include <optional>

namespace ztp::tpmquote {
namespace {

// PC Client platforms have 24 PCRs: three bytes of select bits.
constexpr unsigned k_pcr_count = 24;
constexpr std::uint8_t k_size_of_select = 3;

struct BankName {
  std::string_view name;
  std::uint16_t alg;
};
// Kernel and tpm2-tools bank names (TCG Algorithm Registry IDs).
constexpr BankName k_banks[] = {{"sha1", TPM2_ALG_SHA1},
                                {"sha256", TPM2_ALG_SHA256},
                                {"sha384", TPM2_ALG_SHA384},
                                {"sha512", TPM2_ALG_SHA512}};

tl::unexpected<Error> bad(std::string_view text, std::string why) {
  return fail(ErrorKind::bad_input, "PCR selection '" + std::string(text) + "': " + why +
                                        " (expected e.g. sha256:0-7 or sha256:0,2,4-7+sha1:0)");
}

std::optional<unsigned> parse_index(std::string_view s) {
  if (s.empty() || s.size() > 2) {
    return std::nullopt;
  }
  unsigned v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  return v < k_pcr_count ? std::optional<unsigned>(v) : std::nullopt;
}

// "0-7" or "0,2,4-7" into a bit mask; nullopt when malformed or a PCR repeats.
std::optional<std::uint32_t> parse_list(std::string_view list) {
  std::uint32_t mask = 0;
  while (true) {
    const auto comma = list.find(',');
    const std::string_view item = list.substr(0, comma);
    const auto dash = item.find('-');
    const auto first = parse_index(item.substr(0, dash));
    const auto last = dash == std::string_view::npos ? first : parse_index(item.substr(dash + 1));
    if (!first || !last || *last < *first) {
      return std::nullopt;
    }
    for (unsigned i = *first; i <= *last; ++i) {
      if ((mask & (1u << i)) != 0) {
        return std::nullopt;
      }
      mask |= 1u << i;
    }
    if (comma == std::string_view::npos) {
      return mask;
    }
    list.remove_prefix(comma + 1);
  }
}

}  // namespace

Result<PcrSelection> parse_pcr_selection(std::string_view text) {
  PcrSelection selection;
  std::string_view rest = text;
  if (rest.empty()) {
    return bad(text, "empty");
  }
  while (true) {
    const auto plus = rest.find('+');
    const std::string_view part = rest.substr(0, plus);
    const auto colon = part.find(':');
    if (colon == std::string_view::npos) {
      return bad(text, "a bank needs NAME:PCRS");
    }
    const std::string_view name = part.substr(0, colon);
    std::optional<std::uint16_t> alg;
    for (const auto& b : k_banks) {
      if (b.name == name) {
        alg = b.alg;
      }
    }
    if (!alg) {
      return bad(text, "unknown bank '" + std::string(name) + "'");
    }
    for (const auto& seen : selection.banks) {
      if (seen.alg == *alg) {
        return bad(text, "bank '" + std::string(name) + "' named twice");
      }
    }
    const auto mask = parse_list(part.substr(colon + 1));
    if (!mask) {
      return bad(text, "PCRs must be 0..23, ascending ranges, each once");
    }
    selection.banks.push_back({*alg, *mask});
    if (plus == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(plus + 1);
  }
  if (selection.banks.size() > TPM2_NUM_PCR_BANKS) {
    return bad(text, "too many banks");
  }
  return selection;
}

std::string to_text(const PcrSelection& selection) {
  std::string out;
  for (const auto& bank : selection.banks) {
    if (!out.empty()) {
      out += '+';
    }
    std::string_view name = "unknown";
    for (const auto& b : k_banks) {
      if (b.alg == bank.alg) {
        name = b.name;
      }
    }
    out.append(name).append(":");
    bool first = true;
    for (unsigned i = 0; i < k_pcr_count; ++i) {
      if ((bank.pcrs & (1u << i)) == 0) {
        continue;
      }
      unsigned j = i;
      while (j + 1 < k_pcr_count && (bank.pcrs & (1u << (j + 1))) != 0) {
        ++j;
      }
      out += (first ? "" : ",") + std::to_string(i);
      if (j > i) {
        out += "-" + std::to_string(j);
      }
      first = false;
      i = j;
    }
  }
  return out;
}

TPML_PCR_SELECTION to_tpml(const PcrSelection& selection) {
  TPML_PCR_SELECTION list{};
  list.count = static_cast<std::uint32_t>(selection.banks.size());
  for (std::size_t i = 0; i < selection.banks.size() && i < TPM2_NUM_PCR_BANKS; ++i) {
    TPMS_PCR_SELECTION& s = list.pcrSelections[i];
    s.hash = selection.banks[i].alg;
    s.sizeofSelect = k_size_of_select;
    for (unsigned b = 0; b < k_size_of_select; ++b) {
      s.pcrSelect[b] = static_cast<std::uint8_t>((selection.banks[i].pcrs >> (8 * b)) & 0xffu);
    }
  }
  return list;
}

Result<std::string> marshal_selection(const PcrSelection& selection) {
  const TPML_PCR_SELECTION list = to_tpml(selection);
  std::uint8_t buffer[sizeof(TPML_PCR_SELECTION)];
  std::size_t offset = 0;
  const TSS2_RC rc = Tss2_MU_TPML_PCR_SELECTION_Marshal(&list, buffer, sizeof buffer, &offset);
  if (rc != TSS2_RC_SUCCESS) {
    return fail(ErrorKind::bad_input, "cannot marshal the PCR selection");
  }
  return std::string(reinterpret_cast<const char*>(buffer), offset);
}

}  // namespace ztp::tpmquote
