#!/usr/bin/python3
"""Generates the fleet's wire vocabulary from schema/ (docs/vocabulary.md).

The JSON Schemas are the one source: an enum marked "x-ztp-vocabulary": "<Name>" is a
vocabulary, its enum is the words in their order, "x-ztp-labels" gives each word its
display label (or "x-ztp-labels-from": "<Name>" borrows another vocabulary's), and the
optional "x-ztp-hints" / "x-ztp-colours" give each word a tooltip / chart colour.

Outputs:
  --cpp FILE         C++ header: enum class, words, labels, to_string, parse (build dir)
  --typescript FILE  the dashboard's module (committed: the dashboard builds without CMake)
  --openapi FILE     the fleet's OpenAPI document: every object marked "x-ztp-vocabulary"
                     gets its "enum" rewritten, every one marked "x-ztp-vocabulary-counts"
                     its "required" and "properties" (one count per word)
With --check nothing is written: exit 1 naming each file that differs from what would be
written. With no output named, the committed files (--typescript and --openapi at their
places in the source tree) are written or checked.
Exit 0 ok, 1 stale (--check), 2 bad schema or usage (one line on stderr).
"""
import argparse
import copy
import json
import pathlib
import re
import sys

SOURCE = pathlib.Path(__file__).resolve().parent.parent
COMMITTED_TS = "dashboard/src/api/vocabulary.ts"
COMMITTED_OPENAPI = "schema/fleet-openapi.v1.json"
NAME_RE = re.compile(r"^[A-Z][A-Za-z0-9]*$")
WORD_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*$")


class VocabularyError(Exception):
    pass


def snake(name):
    """CcMode -> cc_mode, hardwareChip -> hardware_chip, sev-es -> sev_es, tpm1.2 -> tpm1_2."""
    s = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()
    return re.sub(r"[^a-z0-9_]", "_", s)


def camel(word):
    """sev-es -> sevEs, tpm1.2 -> tpm1_2 (a TypeScript key that needs no quotes)."""
    head, *rest = re.split(r"-", word)
    return (head + "".join(p[:1].upper() + p[1:] for p in rest)).replace(".", "_")


def walk(node, path=""):
    """Every (json-pointer, object) in a JSON value, document order."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, f"{path}/{i}")


def per_word(vocab, node, key, where):
    """The {word: text} annotation `key`, which must name exactly the vocabulary's words."""
    table = node.get(key)
    if table is None:
        return None
    if not isinstance(table, dict) or not all(isinstance(v, str) and v for v in table.values()):
        raise VocabularyError(f"{where}: {key} must map each word to a non-empty string")
    for word in vocab["words"]:
        if word not in table:
            raise VocabularyError(f"{where}: {key} has no entry for word '{word}' of {vocab['name']}")
    for word in table:
        if word not in vocab["words"]:
            raise VocabularyError(f"{where}: {key} names '{word}', not a word of {vocab['name']}")
    return [table[w] for w in vocab["words"]]


def read_vocabularies(schema_dir):
    """Every vocabulary declared in schema_dir/*.schema.json, in file and document order."""
    found = {}
    pending_labels = []
    for path in sorted(pathlib.Path(schema_dir).glob("*.schema.json")):
        try:
            schema = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as e:
            raise VocabularyError(f"{path.name}: cannot read: {e}") from e
        for pointer, node in walk(schema):
            if "x-ztp-vocabulary" not in node:
                continue
            where = f"{path.name}#{pointer}"
            name = node["x-ztp-vocabulary"]
            if not isinstance(name, str) or not NAME_RE.match(name):
                raise VocabularyError(f"{where}: x-ztp-vocabulary must be a CamelCase name")
            if name in found:
                raise VocabularyError(f"{where}: vocabulary {name} is also declared at {found[name]['where']}")
            words = node.get("enum")
            if not isinstance(words, list) or not words or not all(isinstance(w, str) for w in words):
                raise VocabularyError(f"{where}: {name} needs a non-empty enum of strings")
            for i, word in enumerate(words):
                if not WORD_RE.match(word):
                    raise VocabularyError(f"{where}: '{word}' is not a vocabulary word")
                if word in words[:i]:
                    raise VocabularyError(f"{where}: duplicate word '{word}' in {name}")
            idents = [snake(w) for w in words]
            if len(set(idents)) != len(idents):
                raise VocabularyError(f"{where}: two words of {name} map to one C++ name")
            vocab = {"name": name, "words": words, "where": where, "description": node.get("description", "")}
            vocab["labels"] = per_word(vocab, node, "x-ztp-labels", where)
            vocab["hints"] = per_word(vocab, node, "x-ztp-hints", where)
            vocab["colours"] = per_word(vocab, node, "x-ztp-colours", where)
            if vocab["labels"] is None:
                if "x-ztp-labels-from" not in node:
                    raise VocabularyError(f"{where}: {name} has neither x-ztp-labels nor x-ztp-labels-from")
                pending_labels.append((vocab, node["x-ztp-labels-from"]))
            found[name] = vocab
    for vocab, source in pending_labels:
        other = found.get(source)
        if other is None or other["labels"] is None:
            raise VocabularyError(f"{vocab['where']}: x-ztp-labels-from names unknown vocabulary '{source}'")
        for word in vocab["words"]:
            if word not in other["words"]:
                raise VocabularyError(f"{vocab['where']}: label missing: '{word}' is not a word of {source}")
        vocab["labels"] = [other["labels"][other["words"].index(w)] for w in vocab["words"]]
    if not found:
        raise VocabularyError(f"{schema_dir}: no x-ztp-vocabulary in any *.schema.json")
    return list(found.values())


def cpp_string(s):
    return json.dumps(s, ensure_ascii=False)


def cpp_header(vocabularies):
    out = [
        "#pragma once",
        "// Generated by scripts/generate-vocabulary.py from schema/*.schema.json: do not edit.",
        "// The wire vocabulary (docs/vocabulary.md): each enum's values are the schema's words in",
        "// the schema's order, so a value's integer is its index into the word array.",
        "",
        "#include <array>",
        "#include <cstddef>",
        "#include <cstdint>",
        "#include <optional>",
        "#include <string_view>",
        "",
        "namespace ztp::vocab {",
        "",
        "// Vocabulary<E>: the words and display labels of enum E, in the schema's order.",
        "template <typename E>",
        "struct Vocabulary;",
        "",
    ]
    for v in vocabularies:
        n = len(v["words"])
        s = snake(v["name"])
        name = v["name"]
        out += [f"// {v['where']}" + (f": {v['description']}" if v["description"] else "")]
        out += [f"enum class {name} : std::uint8_t {{ {', '.join(snake(w) for w in v['words'])} }};"]
        out += [f"inline constexpr std::array<std::string_view, {n}> k_{s}_words = {{"]
        out += [f"    {cpp_string(w)}," for w in v["words"]] + ["};"]
        out += [f"inline constexpr std::array<std::string_view, {n}> k_{s}_labels = {{"]
        out += [f"    {cpp_string(label)}," for label in v["labels"]] + ["};"]
        out += [f"inline constexpr std::array<{name}, {n}> k_{s}_values = {{"]
        out += [f"    {name}::{snake(w)}," for w in v["words"]] + ["};"]
        out += [
            "template <>",
            f"struct Vocabulary<{name}> {{",
            f"  static constexpr std::string_view name = {cpp_string(name)};",
            f"  static constexpr const auto& words = k_{s}_words;",
            f"  static constexpr const auto& labels = k_{s}_labels;",
            f"  static constexpr const auto& values = k_{s}_values;",
            "};",
            "",
        ]
    out += [
        "template <typename E>",
        "concept VocabularyEnum = requires {",
        "  Vocabulary<E>::words;",
        "};",
        "",
        "// The wire word of a value.",
        "template <VocabularyEnum E>",
        "constexpr std::string_view to_string(E value) {",
        "  return Vocabulary<E>::words[static_cast<std::size_t>(value)];",
        "}",
        "",
        "// The display label of a value (the dashboard's, for logs and tables).",
        "template <VocabularyEnum E>",
        "constexpr std::string_view label(E value) {",
        "  return Vocabulary<E>::labels[static_cast<std::size_t>(value)];",
        "}",
        "",
        "// The value a wire word names, or nullopt for a word outside the vocabulary.",
        "template <VocabularyEnum E>",
        "constexpr std::optional<E> parse(std::string_view word) {",
        "  for (std::size_t i = 0; i < Vocabulary<E>::words.size(); ++i) {",
        "    if (Vocabulary<E>::words[i] == word) {",
        "      return static_cast<E>(i);",
        "    }",
        "  }",
        "  return std::nullopt;",
        "}",
        "",
        "}  // namespace ztp::vocab",
        "",
    ]
    return "\n".join(out)


def ts_string(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


def ts_upper(name):
    return snake(name).upper()


def ts_record(v, key, title):
    u = ts_upper(v["name"])
    lines = [f"export const {u}_{title}: Readonly<Record<{v['name']}, string>> = {{"]
    for word, text in zip(v["words"], v[key]):
        k = word if re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", word) else ts_string(word)
        lines.append(f"  {k}: {ts_string(text)},")
    return lines + ["}"]


def typescript_module(vocabularies):
    out = [
        "// Generated by scripts/generate-vocabulary.py from schema/*.schema.json: do not edit.",
        "// Regenerate with `scripts/generate-vocabulary.py`; the ctest vocabulary.generated_up_to_date",
        "// fails when this file is stale (docs/vocabulary.md).",
        "",
    ]
    for v in vocabularies:
        u = ts_upper(v["name"])
        out += [f"// {v['where']}" + (f": {v['description']}" if v["description"] else "")]
        out += [f"export const {u}_WORDS = [{', '.join(ts_string(w) for w in v['words'])}] as const"]
        out += [f"export type {v['name']} = (typeof {u}_WORDS)[number]"]
        # Named words: code says CC_MODE.none, never the literal, so a renamed word fails tsc.
        out += [f"export const {u} = {{"]
        out += [f"  {camel(w)}: {ts_string(w)}," for w in v["words"]]
        out += ["} as const"]
        out += ts_record(v, "labels", "LABELS")
        if v["hints"]:
            out += ts_record(v, "hints", "HINTS")
        if v["colours"]:
            out += ts_record(v, "colours", "COLOURS")
        out += [""]
    return "\n".join(out)


def openapi_document(text, vocabularies):
    """The OpenAPI document with every marked part rewritten from the vocabularies."""
    by_name = {v["name"]: v for v in vocabularies}
    doc = json.loads(text)
    marked = 0
    for pointer, node in walk(doc):
        for key in ("x-ztp-vocabulary", "x-ztp-vocabulary-counts"):
            if key not in node:
                continue
            vocab = by_name.get(node[key])
            if vocab is None:
                raise VocabularyError(f"OpenAPI #{pointer}: {key} names unknown vocabulary '{node[key]}'")
            marked += 1
            if key == "x-ztp-vocabulary":
                node["enum"] = list(vocab["words"])
            else:
                count = node.get("x-ztp-count-schema", {"type": "integer", "minimum": 0})
                node["required"] = list(vocab["words"])
                node["properties"] = {w: copy.deepcopy(count) for w in vocab["words"]}
    if marked == 0:
        raise VocabularyError("OpenAPI: no part is marked x-ztp-vocabulary")
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def emit(path, content, check, stale):
    path = pathlib.Path(path)
    current = path.read_text() if path.exists() else None
    if current == content:
        return
    if check:
        stale.append(str(path))
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(content)
    tmp.replace(path)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--schema-dir", default=str(SOURCE / "schema"))
    p.add_argument("--cpp")
    p.add_argument("--typescript")
    p.add_argument("--openapi")
    p.add_argument("--check", action="store_true")
    a = p.parse_args(argv)
    if not (a.cpp or a.typescript or a.openapi):
        a.typescript = str(SOURCE / COMMITTED_TS)
        a.openapi = str(SOURCE / COMMITTED_OPENAPI)
    try:
        vocabularies = read_vocabularies(a.schema_dir)
        # Every output is made before any is written: a refused input leaves none behind.
        outputs = []
        if a.cpp:
            outputs.append((a.cpp, cpp_header(vocabularies)))
        if a.typescript:
            outputs.append((a.typescript, typescript_module(vocabularies)))
        if a.openapi:
            try:
                text = pathlib.Path(a.openapi).read_text()
            except OSError as e:
                raise VocabularyError(f"{a.openapi}: cannot read: {e}") from e
            outputs.append((a.openapi, openapi_document(text, vocabularies)))
        stale = []
        for path, content in outputs:
            emit(path, content, a.check, stale)
    except (VocabularyError, json.JSONDecodeError) as e:
        print(f"generate-vocabulary: {e}", file=sys.stderr)
        return 2
    for path in stale:
        print(f"generate-vocabulary: {path} is stale: run scripts/generate-vocabulary.py", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
