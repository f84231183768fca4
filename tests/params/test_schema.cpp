// The schema: lookups, sections, ranges, and that every declared default is itself valid.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "params/param_set.hpp"
#include "params/schema.hpp"

using cascade::KeyKind;
using cascade::KeySpec;
using cascade::Schema;

TEST_CASE("find, is_section, children") {
  const Schema& s = Schema::cascade();
  REQUIRE(s.find("cathode.thickness") != nullptr);
  CHECK(s.find("cathode.thickness")->kind == KeyKind::quantity);
  CHECK(s.find("cathode.thickness")->dim == cascade::dim::length);
  CHECK(s.find("cathode") == nullptr);
  CHECK(s.find("cathode.thicknes") == nullptr);
  CHECK(s.is_section("cathode"));
  CHECK(s.is_section("mesh"));
  CHECK_FALSE(s.is_section("cathode.thickness"));
  CHECK_FALSE(s.is_section("cath"));  // a prefix of a name is not a section
  CHECK_FALSE(s.is_section("name"));
  const auto top = s.children("");
  CHECK(std::is_sorted(top.begin(), top.end()));
  for (const char* n : {"anode", "cathode", "cell", "electrolyte", "experiment", "membrane", "mesh",
                        "name", "solver"}) {
    CAPTURE(n);
    CHECK(std::count(top.begin(), top.end(), n) == 1);
  }
  CHECK(s.children("mesh") == std::vector<std::string>{"cathode", "membrane", "particle"});
  CHECK(s.children("nothing").empty());
}

TEST_CASE("every key has a meaning, and choices and functions are complete") {
  REQUIRE(Schema::cascade().keys().size() > 100);
  for (const auto& [path, spec] : Schema::cascade().keys()) {
    CAPTURE(path);
    CHECK(spec.path == path);
    CHECK_FALSE(spec.meaning.empty());
    if (spec.kind == KeyKind::choice) CHECK_FALSE(spec.choices.empty());
    if (spec.kind == KeyKind::function) {
      CHECK((spec.variable == "sto" || spec.variable == "c_e"));
    }
  }
}

TEST_CASE("every declared default passes its own key's checks") {
  // Defaults are filled after validation, so a bad default would only fail when used.
  int defaults = 0;
  for (const auto& [path, spec] : Schema::cascade().keys()) {
    if (spec.default_value.empty()) continue;
    CAPTURE(path);
    ++defaults;
    CHECK_NOTHROW(
        cascade::ParamSet::load_string("", "defaults", {path + "=" + spec.default_value}));
  }
  CHECK(defaults > 50);
}

TEST_CASE("describe_range") {
  const Schema& s = Schema::cascade();
  CHECK(cascade::describe_range(*s.find("cathode.porosity")) == "0 < value < 1");
  CHECK(cascade::describe_range(*s.find("membrane.porosity")) == "0 <= value <= 1");
  CHECK(cascade::describe_range(*s.find("cathode.thickness")) == "value > 0 m");
  CHECK(cascade::describe_range(*s.find("sei.thickness")) == "value >= 0 m");
  KeySpec free;
  CHECK(cascade::describe_range(free) == "any value");
  KeySpec top;
  top.max = 5;
  CHECK(cascade::describe_range(top) == "value <= 5");
}
