// Diagnostics: where (file:line:col), the key, the message, the source line with a caret, and
// "did you mean".
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "params/error.hpp"

namespace fs = std::filesystem;
using cascade::Diagnostic;
using cascade::DiagnosticList;
using cascade::InputError;
using cascade::Source;

namespace {
const std::string bad_leaf = (fs::path(CASCADE_TEST_DATA) / "params/errors/bad_leaf.yaml").string();

std::string format(std::string file, int line, int column, std::string key, std::string message) {
  Diagnostic d;
  d.where = Source{std::move(file), line, column};
  d.key = std::move(key);
  d.message = std::move(message);
  return cascade::format_diagnostic(d);
}
}  // namespace

TEST_CASE("Source::to_string") {
  CHECK(Source{}.to_string() == "<input>");
  CHECK(Source{"a.yaml", 0, 0}.to_string() == "a.yaml");
  CHECK(Source{"--set x=1", 0, 0}.to_string() == "--set x=1");
  CHECK(Source{"a.yaml", 3, 14}.to_string() == "a.yaml:3:14");
}

TEST_CASE("format_diagnostic: like a compiler, with the source line and a caret") {
  // bad_leaf.yaml line 3 is "  thickness: 74 V"; the value starts at column 14.
  const std::string text = format(bad_leaf, 3, 14, "cathode.thickness", "'74 V' is not a length");
  CHECK(text == bad_leaf +
                    ":3:14: error: [cathode.thickness] '74 V' is not a length\n"
                    "    thickness: 74 V\n"
                    "               ^");
}

TEST_CASE("format_diagnostic: no key, no file, unreadable file, line 0") {
  CHECK(format("x.yaml", 2, 1, "", "bad") ==
        "x.yaml:2:1: error: bad");  // x.yaml does not exist: no source line
  CHECK(format("", 0, 0, "k", "bad") == "<input>: error: [k] bad");
  CHECK(format(bad_leaf, 0, 0, "k", "missing") == bad_leaf + ": error: [k] missing");
  // A line past the end of the file: the message alone.
  CHECK(format(bad_leaf, 99, 1, "", "bad") == bad_leaf + ":99:1: error: bad");
}

TEST_CASE("InputError: all diagnostics in what(), one per line, kept in order") {
  const InputError e({{{"a.yaml", 1, 1}, "x", "first"}, {{"b.yaml", 2, 3}, "y", "second"}});
  CHECK(std::string(e.what()) == "a.yaml:1:1: error: [x] first\nb.yaml:2:3: error: [y] second");
  REQUIRE(e.diagnostics().size() == 2);
  CHECK(e.diagnostics()[1].key == "y");
  CHECK(e.diagnostics()[1].where.column == 3);

  const InputError one(Source{"c.yaml", 4, 2}, "z", "only");
  CHECK(std::string(one.what()) == "c.yaml:4:2: error: [z] only");
  CHECK(one.diagnostics().size() == 1);
  // InputError is a std::runtime_error, so generic handlers report it too.
  CHECK_THROWS_AS(throw one, std::runtime_error);
}

TEST_CASE("DiagnosticList: throws only when something was added, everything at once") {
  DiagnosticList list;
  CHECK(list.empty());
  CHECK_NOTHROW(list.throw_if_any());
  list.add({"a.yaml", 1, 1}, "k1", "first problem");
  list.add({"a.yaml", 2, 1}, "k2", "second problem");
  CHECK_FALSE(list.empty());
  CHECK_THROWS_WITH_AS(list.throw_if_any(), doctest::Contains("first problem"), InputError);
  CHECK_THROWS_WITH_AS(list.throw_if_any(), doctest::Contains("second problem"), InputError);
  try {
    list.throw_if_any();
  } catch (const InputError& e) {
    CHECK(e.diagnostics().size() == 2);
  }
}

TEST_CASE("nearest: close candidates only") {
  const std::vector<std::string> keys{"thickness", "porosity", "particle_radius", "density"};
  CHECK(cascade::nearest("thicknes", keys) == "thickness");
  CHECK(cascade::nearest("thikness", keys) == "thickness");
  CHECK(cascade::nearest("porosty", keys) == "porosity");
  CHECK(cascade::nearest("particle_radious", keys) == "particle_radius");
  CHECK(cascade::nearest("bnad", {"band", "klu"}) == "band");  // a transposition is 2 edits
  CHECK(cascade::nearest("colour", keys) == "");
  CHECK(cascade::nearest("x", keys) == "");
  CHECK(cascade::nearest("thickness", {}) == "");
  CHECK(cascade::nearest("", keys) == "");
  // A short word is not "near" a word it shares no letter with: no 'foo' -> 'cei'.
  CHECK(cascade::nearest("foo", {"cei", "sei", "cell"}) == "");
  CHECK(cascade::nearest("ce", {"cei", "sei"}) == "cei");
  // The closest wins, the first of equals.
  CHECK(cascade::nearest("alpha_b", {"alpha_a", "alpha_c"}) == "alpha_a");
  CHECK(cascade::nearest("alpha_cc", {"alpha_a", "alpha_c"}) == "alpha_c");
}
