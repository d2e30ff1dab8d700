#!/usr/bin/python3
"""No hand-written copy of the wire vocabulary is left in product code (docs/vocabulary.md).

Every word and display label of every vocabulary in schema/ (x-ztp-vocabulary) is searched
for as a whole string literal ("word", 'word') in src/, cmd/ and dashboard/src/, and in
TypeScript also as an object key (`word:`), outside the generated files and the tests
(tests state expected words on purpose). A hit is a copy that drifts when the schema
changes: use the generated enum (C++ vocab::CcMode::sev_snp, TypeScript CC_MODE.sevSnp).
allowed_literals.txt lists the few places where a word means something else, each with a
reason; an entry that matches nothing fails too, so the list only shrinks.
Usage: no_hand_written_copy.py <source dir>. Exit 0 clean, 1 copies found.
"""
import pathlib
import re
import sys

source = pathlib.Path(sys.argv[1]).resolve()
sys.path.insert(0, str(source / "scripts"))
generator = __import__("generate-vocabulary")

ROOTS = ["src", "cmd", "dashboard/src"]
EXTENSIONS = {".cpp", ".h", ".in", ".ts", ".tsx"}
GENERATED = {"dashboard/src/api/vocabulary.ts"}


def is_test(rel):
    return ".test." in rel or rel.startswith("dashboard/src/test/")


def strip_comment(line, suffix):
    """The line without a trailing // comment (outside quotes) and without a comment line."""
    s = line.strip()
    if s.startswith(("//", "*", "/*")):
        return ""
    quote = None
    for i, c in enumerate(line):
        if quote:
            if c == quote and line[i - 1] != "\\":
                quote = None
        elif c in "\"'`" and not (c == "'" and suffix in (".cpp", ".h") and i and line[i - 1].isalnum()):
            quote = c
        elif line.startswith("//", i):
            return line[:i]
    return line


def load_allowed():
    allowed = {}
    for n, line in enumerate((source / "tests/vocabulary/allowed_literals.txt").read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split(None, 2)
        if len(parts) < 3:
            sys.exit(f"allowed_literals.txt:{n}: want '<path> <word> <reason>'")
        allowed[(parts[0], parts[1])] = 0
    return allowed


def main():
    vocabularies = generator.read_vocabularies(source / "schema")
    words = sorted({w for v in vocabularies for w in v["words"]} |
                   {label for v in vocabularies for label in v["labels"]}, key=len, reverse=True)
    alternatives = "|".join(re.escape(w) for w in words)
    literal = re.compile(rf"([\"'])({alternatives})\1")
    ts_key = re.compile(rf"^\s*({alternatives}|'(?:{alternatives})')\s*:")
    allowed = load_allowed()
    copies = []
    for root in ROOTS:
        for path in sorted((source / root).rglob("*")):
            rel = path.relative_to(source).as_posix()
            if path.suffix not in EXTENSIONS or rel in GENERATED or is_test(rel):
                continue
            for n, line in enumerate(path.read_text().splitlines(), 1):
                code = strip_comment(line, path.suffix)
                found = [m.group(2) for m in literal.finditer(code)]
                if path.suffix in (".ts", ".tsx"):
                    found += [m.group(1).strip("'") for m in ts_key.finditer(code)]
                for word in found:
                    if (rel, word) in allowed:
                        allowed[(rel, word)] += 1
                    else:
                        copies.append(f"{rel}:{n}: {word!r}: {line.strip()}")
    for line in copies:
        print(f"hand-written vocabulary copy: {line}")
    unused = [f"{p} {w}" for (p, w), hits in allowed.items() if hits == 0]
    for entry in unused:
        print(f"allowed_literals.txt: entry matches nothing, remove it: {entry}")
    print(f"{len(copies)} hand-written copies, {len(allowed) - len(unused)} allowed entries in use")
    return 1 if copies or unused else 0


sys.exit(main())
