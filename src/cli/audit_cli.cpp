#include "cli/audit_cli.h"

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <optional>

#include "audit/audit_log.h"
#include "audit/show.h"
#include "audit/verify.h"
#include "cli/probe_cli.h"
#include "common/cli_values.h"
#include "common/command_line.h"
#include "common/posix_file.h"
#include "tpmquote/boot_quote.h"

namespace ztp::cli {
namespace {

constexpr const char* k_name = "ztp-prem-audit";
// Key and AK files are a few hundred bytes.
constexpr std::size_t k_max_small_file = 64 * 1024;

int usage(std::ostream& err, const std::string& message) {
  err << k_name << ": " << message << "\n";
  return k_exit_usage;
}

int run_setup(const std::string& dir, const std::string& epoch_text, const Clock& clock,
              std::ostream& out, std::ostream& err) {
  const auto epoch = parse_duration(epoch_text);
  if (!epoch) {
    return usage(err, "--epoch '" + epoch_text + "' is not a duration like 15m, 900s or 1h");
  }
  auto key = audit::AuditLog::setup(dir, *epoch, clock);
  if (!key) {
    return usage(err, key.error().message);
  }
  out << *key << "\n";
  err << k_name << ": audit log created in '" << dir << "' (epochs of " << epoch->count()
      << " s).\n"
      << k_name << ": the line above is the verification key. It is shown once and kept "
      << "nowhere on this node: store it off the node; `verify` needs it.\n";
  return k_exit_ok;
}

// --ak FILE [--quote-pcrs SEL]: every quoted entry is checked with that AK and selection.
Result<audit::QuoteCheck> quote_check_from(const std::string& ak_file, const std::string& pcrs) {
  auto text = read_local_file(ak_file, k_max_small_file);
  if (!text) {
    return tl::unexpected(text.error());
  }
  auto ak = tpmquote::parse_ak_file(*text);
  if (!ak) {
    return fail(ErrorKind::bad_input, "--ak '" + ak_file + "': " + ak.error().message);
  }
  auto selection = tpmquote::parse_pcr_selection(pcrs);
  if (!selection) {
    return tl::unexpected(selection.error());
  }
  return tpmquote::boot_quote_check(std::move(*ak), *selection);
}

struct QuoteOptions {
  std::string ak_file;
  std::string pcrs;
};

// The verification key from --key TEXT, --key - (stdin) or --key-file F.
Result<std::string> verification_key_text(const std::string& key_text, const std::string& key_file,
                                          std::istream& in) {
  if (!key_file.empty()) {
    return read_local_file(key_file, k_max_small_file);
  }
  std::string text = key_text;
  if (key_text == "-") {
    std::getline(in, text);
  }
  return text;
}

void print_clean(const audit::VerifyReport& report, const std::string& head_text, bool quotes,
                 bool witnessed, std::ostream& out) {
  if (quotes) {
    out << "quotes: " << report.quoted << " entries quoted and checked with the AK, "
        << report.unquoted << " not quoted";
    for (const auto seq : report.boot_changes) {
      out << "; boot state changed at seq " << seq;
    }
    out << "\n";
  }
  out << "clean: " << report.records << " records in " << report.segments << " segment(s); head "
      << head_text << " (epoch " << report.head_epoch << ")"
      << (witnessed ? "; matches the witness"
                    : "; no witness given: a truncated tail "
                      "would not show (use --head)")
      << "\n";
}

void print_tampered(const audit::VerifyReport& report, const std::string& head_text,
                    std::ostream& out) {
  const audit::BadRecord& bad = *report.bad;
  out << "TAMPERED: " << audit::to_string(bad.damage);
  if (bad.line > 0) {
    out << " at " << bad.file << ":" << bad.line;
  } else if (bad.offset) {
    out << " at " << bad.file << " offset " << *bad.offset;
  }
  if (bad.seq) {
    out << " (seq " << *bad.seq << ")";
  }
  out << ": " << bad.detail << "\n"
      << "verified good: " << report.records << " records, up to " << head_text << "\n";
}

int run_verify(const std::string& dir, const std::string& key_text, const std::string& key_file,
               const std::string& head, const QuoteOptions& quotes, const Clock& clock,
               std::istream& in, std::ostream& out, std::ostream& err) {
  const auto text = verification_key_text(key_text, key_file, in);
  if (!text) {
    return usage(err, text.error().message);
  }
  const auto key = audit::parse_verification_key(*text);
  if (!key) {
    return usage(err, "the key must be the line setup printed: ztp-audit-v1:<64 hex digits>");
  }
  std::optional<audit::Witness> witness;
  if (!head.empty()) {
    witness = audit::parse_witness(head);
    if (!witness) {
      return usage(err, "--head '" + head + "' must be SEQ:sha256:<64 hex digits>");
    }
  }
  audit::QuoteCheck check;
  if (!quotes.ak_file.empty()) {
    auto made = quote_check_from(quotes.ak_file, quotes.pcrs);
    if (!made) {
      return usage(err, made.error().message);
    }
    check = std::move(*made);
  }
  auto report = audit::verify_log(dir, *key, witness, clock, check);
  if (!report) {
    return usage(err, report.error().message);
  }
  const std::string head_text = report->head_seq ? std::to_string(*report->head_seq) + ":" +
                                                       audit::hash_text(report->head_hash)
                                                 : std::string("none");
  if (report->clean()) {
    print_clean(*report, head_text, static_cast<bool>(check), witness.has_value(), out);
    return k_exit_ok;
  }
  print_tampered(*report, head_text, out);
  return k_exit_tampered;
}

// The flags of every subcommand (LOG_DIR and --dir share one variable: one is given).
struct AuditFlags {
  std::string dir;
  std::string epoch = "15m";
  std::string key_text;
  std::string key_file;
  std::string head;
  QuoteOptions quotes{std::string(), std::string(tpmquote::k_default_selection)};
  std::string format = "text";
};

CLI::App* add_setup_command(CLI::App& app, AuditFlags& f) {
  auto* setup =
      app.add_subcommand("setup", "Create a log directory and print its verification key once");
  setup->add_option("--dir", f.dir, "Log directory to create (one per probe and node)")->required();
  setup->add_option("--epoch", f.epoch, "Key epoch length (e.g. 15m, 900s, 1h; at most 720h)")
      ->capture_default_str();
  return setup;
}

CLI::App* add_verify_command(CLI::App& app, AuditFlags& f) {
  auto* verify = app.add_subcommand("verify", "Check a log with its verification key");
  verify->add_option("LOG_DIR", f.dir, "Log directory (or a copy of it)")->required();
  auto* key_opt = verify->add_option("--key", f.key_text, "Verification key, or - to read stdin");
  auto* key_file_opt = verify->add_option("--key-file", f.key_file, "File holding the key");
  key_opt->excludes(key_file_opt);
  verify->add_option("--head", f.head, "Witness head SEQ:HASH (auditHead of a published document)");
  verify->add_option("--ak", f.quotes.ak_file,
                     "Check every record's TPM quote with this AK file (ztp-prem-tpm ak --out)");
  verify
      ->add_option("--quote-pcrs", f.quotes.pcrs,
                   "With --ak: the PCR selection the node was configured to quote")
      ->capture_default_str();
  return verify;
}

void add_show_command(CLI::App& app, AuditFlags& f) {
  auto* show = app.add_subcommand("show", "Print a log's records (does not verify)");
  show->add_option("LOG_DIR", f.dir, "Log directory")->required();
  show->add_option("--format", f.format, "Output format")
      ->check(CLI::IsMember({"text", "jsonl"}))
      ->capture_default_str();
}

int run_keygen(std::ostream& out, std::ostream& err) {
  auto key = audit::random_bytes32();
  if (!key) {
    err << k_name << ": " << key.error().message << "\n";
    return k_exit_internal;
  }
  out << audit::verification_key_text(*key) << "\n";
  audit::wipe(*key);
  return k_exit_ok;
}

int run_show(const AuditFlags& f, std::ostream& out, std::ostream& err) {
  auto stats = audit::show_log(
      f.dir, f.format == "jsonl" ? audit::ShowFormat::jsonl : audit::ShowFormat::text, out);
  if (!stats) {
    return usage(err, stats.error().message);
  }
  return k_exit_ok;
}

}  // namespace

int run_audit(const std::vector<std::string>& args, const Clock& clock, std::istream& in,
              std::ostream& out, std::ostream& err) {
  CLI::App app{"Sealed, forward-secure audit log of ztp-prem probe results", k_name};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(ZTP_VERSION));
  AuditFlags f;
  const CLI::App* setup = add_setup_command(app, f);
  const CLI::App* keygen = app.add_subcommand(
      "keygen", "Print a fresh verification key (for a seed Secret; see docs/audit.md)");
  const CLI::App* verify = add_verify_command(app, f);
  add_show_command(app, f);

  if (const auto done = parse_command_line(app, args, k_name, out, err)) {
    return *done;
  }
  if (keygen->parsed()) {
    return run_keygen(out, err);
  }
  if (setup->parsed()) {
    return run_setup(f.dir, f.epoch, clock, out, err);
  }
  if (verify->parsed()) {
    if (f.key_text.empty() && f.key_file.empty()) {
      return usage(err, "verify needs --key or --key-file");
    }
    return run_verify(f.dir, f.key_text, f.key_file, f.head, f.quotes, clock, in, out, err);
  }
  return run_show(f, out, err);
}

int audit_main(int argc, char** argv) {
  try {
    const std::vector<std::string> args(argv + 1, argv + argc);
    const SystemClock clock;
    return run_audit(args, clock, std::cin, std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << k_name << ": internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << k_name << ": internal error\n";
  }
  return k_exit_internal;
}

}  // namespace ztp::cli
