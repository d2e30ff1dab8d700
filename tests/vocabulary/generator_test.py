#!/usr/bin/python3
"""scripts/generate-vocabulary.py on a small fixture (tests/vocabulary/fixture): the C++
header, the TypeScript module and the OpenAPI rewrite equal the expected files, the header
compiles and means what it says, --check reports staleness without writing, and a bad
schema is refused (exit 2, one line) with nothing written.
Usage: generator_test.py <source dir> <C++ compiler>."""
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile
import unittest

SOURCE = pathlib.Path(sys.argv[1]).resolve()
CXX = sys.argv[2]
GENERATOR = SOURCE / "scripts/generate-vocabulary.py"
FIXTURE = SOURCE / "tests/vocabulary/fixture"


def run(*args):
    return subprocess.run([sys.executable, str(GENERATOR), *map(str, args)],
                          capture_output=True, text=True, check=False)


class Generator(unittest.TestCase):
    def setUp(self):
        self.tmp = pathlib.Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.tmp)

    def generate(self, schema_dir):
        shutil.copy(FIXTURE / "openapi.json", self.tmp / "openapi.json")
        return run("--schema-dir", schema_dir, "--cpp", self.tmp / "v.gen.h",
                   "--typescript", self.tmp / "v.ts", "--openapi", self.tmp / "openapi.json")

    def test_outputs_equal_the_expected_files(self):
        r = self.generate(FIXTURE / "schema")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual((self.tmp / "v.gen.h").read_text(), (FIXTURE / "expected.gen.h").read_text())
        self.assertEqual((self.tmp / "v.ts").read_text(), (FIXTURE / "expected.ts").read_text())
        self.assertEqual((self.tmp / "openapi.json").read_text(),
                         (FIXTURE / "expected-openapi.json").read_text())

    def test_header_compiles_and_parses_and_prints_words(self):
        self.assertEqual(self.generate(FIXTURE / "schema").returncode, 0)
        (self.tmp / "use.cpp").write_text(r'''
#include "v.gen.h"
using namespace ztp::vocab;
static_assert(to_string(PetKind::dog_large) == "dog-large");
static_assert(to_string(Toy::ball_of_wool) == "ballOfWool");
static_assert(parse<PetKind>("fish1.5") == PetKind::fish1_5);
static_assert(!parse<PetKind>("Cat") && !parse<PetKind>("") && !parse<Toy>("cat"));
static_assert(label(PetKind::fish1_5) == "Fish 'n' chips");
static_assert(label(Friend::cat) == "Cat");  // x-ztp-labels-from
static_assert(k_pet_kind_values[2] == PetKind::fish1_5 && k_toy_words.size() == 2);
int main() { return 0; }
''')
        r = subprocess.run([CXX, "-std=c++20", "-Wall", "-Werror", "-fsyntax-only", "-I", str(self.tmp),
                            str(self.tmp / "use.cpp")], capture_output=True, text=True, check=False)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_check_reports_a_stale_file_and_writes_nothing(self):
        stale = self.tmp / "stale.ts"
        stale.write_text("// old\n")
        r = run("--schema-dir", FIXTURE / "schema", "--typescript", stale, "--check")
        self.assertEqual(r.returncode, 1)
        self.assertIn("stale.ts is stale", r.stderr)
        self.assertEqual(stale.read_text(), "// old\n")
        shutil.copy(FIXTURE / "expected.ts", stale)
        r = run("--schema-dir", FIXTURE / "schema", "--typescript", stale, "--check")
        self.assertEqual(r.returncode, 0, r.stderr)

    def refused(self, mutate, message, openapi=None):
        """The fixture changed by mutate(schema) is refused with message; nothing is written."""
        schema = json.loads((FIXTURE / "schema/pets.v1.schema.json").read_text())
        mutate(schema)
        bad = self.tmp / "schema"
        bad.mkdir()
        (bad / "pets.v1.schema.json").write_text(json.dumps(schema))
        r = self.generate(bad) if openapi is None else None
        if openapi is not None:
            (self.tmp / "openapi.json").write_text(json.dumps(openapi))
            r = run("--schema-dir", bad, "--cpp", self.tmp / "v.gen.h", "--openapi", self.tmp / "openapi.json")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(message, r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertFalse((self.tmp / "v.gen.h").exists())

    def test_duplicate_word(self):
        self.refused(lambda s: s["properties"]["kind"]["enum"].append("cat"), "duplicate word 'cat' in PetKind")

    def test_label_missing(self):
        self.refused(lambda s: s["properties"]["kind"]["x-ztp-labels"].pop("dog-large"),
                     "x-ztp-labels has no entry for word 'dog-large' of PetKind")

    def test_label_for_a_word_not_in_the_enum(self):
        self.refused(lambda s: s["properties"]["kind"]["x-ztp-labels"].update({"cow": "Cow"}),
                     "names 'cow', not a word of PetKind")

    def test_no_labels_at_all(self):
        self.refused(lambda s: s["properties"]["toys"]["items"].pop("x-ztp-labels"),
                     "Toy has neither x-ztp-labels nor x-ztp-labels-from")

    def test_labels_from_an_unknown_vocabulary(self):
        self.refused(lambda s: s["properties"]["friends"]["items"].update({"x-ztp-labels-from": "Pets"}),
                     "x-ztp-labels-from names unknown vocabulary 'Pets'")

    def test_labels_from_a_vocabulary_without_the_word(self):
        self.refused(lambda s: s["properties"]["friends"]["items"]["enum"].append("stick"),
                     "label missing: 'stick' is not a word of PetKind")

    def test_one_name_declared_twice(self):
        self.refused(lambda s: s["properties"]["toys"]["items"].update({"x-ztp-vocabulary": "PetKind"}),
                     "vocabulary PetKind is also declared at")

    def test_words_that_collide_as_cpp_names(self):
        def mutate(s):
            s["properties"]["toys"]["items"]["enum"] = ["ball-of-wool", "ball.of.wool"]
            s["properties"]["toys"]["items"]["x-ztp-labels"] = {"ball-of-wool": "a", "ball.of.wool": "b"}
            s["properties"]["toys"]["items"].pop("x-ztp-hints")
        self.refused(mutate, "two words of Toy map to one C++ name")

    def test_openapi_names_an_unknown_vocabulary(self):
        self.refused(lambda s: None, "names unknown vocabulary 'Cats'",
                     openapi={"components": {"x": {"enum": [], "x-ztp-vocabulary": "Cats"}}})


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
