// ParamSet: includes, override order, sources, defaults, and every class of bad input.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "params/param_set.hpp"

namespace fs = std::filesystem;
using cascade::Diagnostic;
using cascade::InputError;
using cascade::ParamSet;

namespace {

const fs::path data = fs::path(CASCADE_TEST_DATA) / "params";

// The diagnostics of the InputError `f` throws (a failed check when it throws none).
template <class F>
std::vector<Diagnostic> diagnostics_of(F f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.diagnostics();
  }
  FAIL_CHECK("no InputError thrown");
  return {};
}

const Diagnostic* find_key(const std::vector<Diagnostic>& diags, const std::string& key) {
  const auto it =
      std::find_if(diags.begin(), diags.end(), [&](const Diagnostic& d) { return d.key == key; });
  return it == diags.end() ? nullptr : &*it;
}

bool same_file(const std::string& a, const fs::path& b) {
  return fs::exists(a) && fs::equivalent(a, b);
}

ParamSet load_text(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  return ParamSet::load_string(yaml, "case.yaml", overrides);
}

}  // namespace

TEST_CASE("includes: two levels deep, each path relative to the file that includes it") {
  const ParamSet p = ParamSet::load(data / "includes/top.yaml");
  // From the deepest file, reached by top.yaml -> sub/middle.yaml -> ../leaf/leaf.yaml.
  CHECK(p.quantity("cathode.particle_radius") == doctest::Approx(5e-6).scale(0));
  CHECK(p.quantity("cell.area") == doctest::Approx(2e-4).scale(0));
  const cascade::Source leaf = p.where("cathode.particle_radius");
  CHECK(same_file(leaf.file, data / "includes/leaf/leaf.yaml"));
  CHECK(leaf.file.find("..") == std::string::npos);  // messages name a normalized path
  CHECK(leaf.line == 4);
  CHECK(leaf.column == 20);
  CHECK(p.where("cell.area").line == 6);
}

TEST_CASE(
    "override order: including file beats included, later include beats earlier, --set beats all") {
  SUBCASE("files only") {
    const ParamSet p = ParamSet::load(data / "includes/top.yaml");
    // top.yaml (80 um) beats sub/middle.yaml (70 um) which it includes.
    CHECK(p.quantity("cathode.thickness") == doctest::Approx(80e-6).scale(0));
    CHECK(same_file(p.where("cathode.thickness").file, data / "includes/top.yaml"));
    CHECK(p.where("cathode.thickness").line == 4);
    CHECK(p.where("cathode.thickness").column == 14);
    // sub/middle.yaml (0.3) beats leaf.yaml (0.25) which it includes.
    CHECK(p.quantity("cathode.porosity") == doctest::Approx(0.3).scale(0));
    CHECK(same_file(p.where("cathode.porosity").file, data / "includes/sub/middle.yaml"));
    CHECK(p.where("cathode.porosity").line == 5);
    // later.yaml, second in top.yaml's include list, beats sub/middle.yaml, the first.
    CHECK(p.quantity("membrane.thickness") == doctest::Approx(30e-6).scale(0));
    CHECK(same_file(p.where("membrane.thickness").file, data / "includes/later.yaml"));
    CHECK(p.where("membrane.thickness").line == 2);
  }
  SUBCASE("--set beats every file, and the last --set of a key wins") {
    const ParamSet p =
        ParamSet::load(data / "includes/top.yaml",
                       {"cathode.thickness=90 um", "cathode.porosity=0.2", "cathode.porosity=0.4"});
    CHECK(p.quantity("cathode.thickness") == doctest::Approx(90e-6).scale(0));
    CHECK(p.quantity("cathode.porosity") == doctest::Approx(0.4).scale(0));
    const cascade::Source s = p.where("cathode.thickness");
    CHECK(s.file == "--set cathode.thickness=90 um");
    CHECK(s.line == 0);
    CHECK(p.given("cathode.thickness"));
    // Keys not overridden keep their file sources.
    CHECK(same_file(p.where("membrane.thickness").file, data / "includes/later.yaml"));
  }
}

TEST_CASE("an include cycle is an error at the include that closes it") {
  const auto diags = diagnostics_of([] { ParamSet::load(data / "includes/cycle_a.yaml"); });
  REQUIRE(diags.size() == 1);
  CHECK(diags[0].key == "include");
  CHECK(same_file(diags[0].where.file, data / "includes/cycle_b.yaml"));
  CHECK(diags[0].where.line == 1);
  CHECK_THROWS_WITH_AS(ParamSet::load(data / "includes/cycle_a.yaml"),
                       doctest::Contains("cycle_a.yaml' includes itself"), InputError);
}

TEST_CASE("a missing included file is named with the line of its include") {
  const auto diags = diagnostics_of([] { ParamSet::load(data / "includes/missing_include.yaml"); });
  REQUIRE(diags.size() == 1);
  CHECK(same_file(diags[0].where.file, data / "includes/missing_include.yaml"));
  CHECK(diags[0].where.line == 3);
  CHECK_THROWS_WITH_AS(ParamSet::load(data / "includes/missing_include.yaml"),
                       doctest::Contains("no_such_file.yaml' does not exist"), InputError);
  CHECK_THROWS_WITH_AS(ParamSet::load(data / "includes/no_such_top.yaml"),
                       doctest::Contains("no_such_top.yaml' does not exist"), InputError);
}

TEST_CASE("an error inside an included file names that file and line") {
  const auto diags = diagnostics_of([] { ParamSet::load(data / "errors/includes_bad.yaml"); });
  REQUIRE(diags.size() == 1);
  CHECK(diags[0].key == "cathode.thickness");
  CHECK(same_file(diags[0].where.file, data / "errors/bad_leaf.yaml"));
  CHECK(diags[0].where.line == 3);
  CHECK_THROWS_WITH_AS(ParamSet::load(data / "errors/includes_bad.yaml"),
                       doctest::Contains("bad_leaf.yaml:3:14: error: [cathode.thickness]"),
                       InputError);
}

TEST_CASE("unknown key: names key, file and line, and suggests the nearest key") {
  const std::string yaml = "cathode:\n  thickness: 80 um\n  thicknes: 80 um\n";
  const auto diags = diagnostics_of([&] { load_text(yaml); });
  REQUIRE(diags.size() == 1);
  CHECK(diags[0].key == "cathode.thicknes");
  CHECK(diags[0].where.file == "case.yaml");
  CHECK(diags[0].where.line == 3);
  CHECK(diags[0].where.column == 3);
  CHECK_THROWS_WITH_AS(load_text(yaml), doctest::Contains("case.yaml:3:3"), InputError);
  CHECK_THROWS_WITH_AS(load_text(yaml), doctest::Contains("unknown key 'cathode.thicknes'"),
                       InputError);
  CHECK_THROWS_WITH_AS(load_text(yaml), doctest::Contains("did you mean 'cathode.thickness'?"),
                       InputError);
  CHECK_THROWS_WITH_AS(load_text(yaml),
                       doctest::Contains("Known keys in 'cathode': active_fraction"), InputError);
}

TEST_CASE("unknown key with nothing close: no wild guess, a list of the known keys") {
  // "foo" is 3 edits from "cei" and "sei": that is no suggestion.
  CHECK_THROWS_WITH_AS(load_text("foo: 1\n"),
                       doctest::Contains("unknown key 'foo'. Known keys: active_loss, anode"), InputError);
  const auto diags = diagnostics_of([] { load_text("foo: 1\n"); });
  REQUIRE(diags.size() == 1);
  CHECK(diags[0].message.find("did you mean") == std::string::npos);
}

TEST_CASE("unknown section") {
  const std::string yaml = "cathodes:\n  thickness: 80 um\n";
  CHECK_THROWS_WITH_AS(load_text(yaml),
                       doctest::Contains("unknown key 'cathodes'; did you mean 'cathode'?"),
                       InputError);
  const auto diags = diagnostics_of([&] { load_text(yaml); });
  REQUIRE(diags.size() == 1);  // nothing reported below an unknown section
  CHECK(diags[0].where.line == 1);
}

TEST_CASE("a section given as a scalar") {
  CHECK_THROWS_WITH_AS(load_text("cathode: 80 um\n"),
                       doctest::Contains("'cathode' is a section: expected a map with keys among"),
                       InputError);
  CHECK_THROWS_WITH_AS(load_text("cathode: [1, 2]\n"), doctest::Contains("'cathode' is a section"),
                       InputError);
}

TEST_CASE("the top level must be a map") {
  CHECK_THROWS_WITH_AS(load_text("- a\n- b\n"),
                       doctest::Contains("the top level of a parameter file must be a map"),
                       InputError);
}

TEST_CASE("wrong dimension: names key, value, the expected dimension and accepted units") {
  const std::string yaml = "cathode:\n  thickness: 74 V\n";
  CHECK_THROWS_WITH_AS(load_text(yaml), doctest::Contains("[cathode.thickness]"), InputError);
  CHECK_THROWS_WITH_AS(load_text(yaml), doctest::Contains("'74 V'"), InputError);
  CHECK_THROWS_WITH_AS(load_text(yaml), doctest::Contains("expected a length"), InputError);
  CHECK_THROWS_WITH_AS(load_text(yaml), doctest::Contains("accepted: m, cm, mm, um, nm"),
                       InputError);
  CHECK_THROWS_WITH_AS(load_text(yaml), doctest::Contains("case.yaml:2:14"), InputError);
}

TEST_CASE("a map where a single value belongs: the expected kind reads well") {
  // Used to read "expected a area".
  CHECK_THROWS_WITH_AS(load_text("cell:\n  area: {a: 1}\n"),
                       doctest::Contains("got a map; expected an area (e.g. in m2, cm2, mm2)"),
                       InputError);
  CHECK_THROWS_WITH_AS(load_text("cell:\n  contact_resistance: [1, 2]\n"),
                       doctest::Contains("expected an area-specific resistance"), InputError);
  CHECK_THROWS_WITH_AS(load_text("cathode:\n  rate_constant: [1, 2]\n"),
                       doctest::Contains("expected a value in mol^-0.5 m^2.5 s^-1"), InputError);
}

TEST_CASE("unknown unit") {
  CHECK_THROWS_WITH_AS(load_text("cell:\n  area: 3 furlongs\n"),
                       doctest::Contains("unknown unit symbol 'furlongs'"), InputError);
  CHECK_THROWS_WITH_AS(load_text("cell:\n  area: 3 furlongs\n"), doctest::Contains("[cell.area]"),
                       InputError);
}

TEST_CASE("out of range") {
  const std::string yaml = "cathode:\n  porosity: 1.3\n";
  CHECK_THROWS_WITH_AS(load_text(yaml),
                       doctest::Contains("[cathode.porosity] '1.3' = 1.3 is out of range"),
                       InputError);
  CHECK_THROWS_WITH_AS(load_text(yaml), doctest::Contains("expected 0 < value < 1"), InputError);
  CHECK_THROWS_WITH_AS(load_text("cathode:\n  thickness: -5 um\n"),
                       doctest::Contains("expected value > 0 m"), InputError);
  CHECK_THROWS_WITH_AS(load_text("mesh:\n  particle: 1\n"),
                       doctest::Contains("1 is out of range: expected 2 <= value <= 10000"),
                       InputError);
  CHECK_NOTHROW(load_text("membrane:\n  porosity: 1\n"));  // closed range: 1 is fine there
}

TEST_CASE("bad choice") {
  const std::string yaml = "solver:\n  linear_solver: bnad\n";
  CHECK_THROWS_WITH_AS(load_text(yaml),
                       doctest::Contains("'bnad' is not a known choice (did you mean 'band'?); "
                                         "expected one of: band, klu"),
                       InputError);
  CHECK(load_text("solver:\n  linear_solver: klu\n").string("solver.linear_solver") == "klu");
}

TEST_CASE("non-integer mesh count") {
  CHECK_THROWS_WITH_AS(load_text("mesh:\n  cathode: 2.5\n"),
                       doctest::Contains("[mesh.cathode] '2.5' is not an integer"), InputError);
  CHECK_THROWS_WITH_AS(load_text("mesh:\n  cathode: ten\n"),
                       doctest::Contains("'ten' is not an integer"), InputError);
  CHECK(load_text("mesh:\n  cathode: 12\n").integer("mesh.cathode") == 12);
}

TEST_CASE("a YAML syntax error names the file and the line") {
  const fs::path file = data / "errors/syntax_error.yaml";
  const auto diags = diagnostics_of([&] { ParamSet::load(file); });
  REQUIRE(diags.size() == 1);
  CHECK(same_file(diags[0].where.file, file));
  CHECK(diags[0].where.line >= 3);  // the open '[' is on line 3; the parser notices it after
  CHECK(diags[0].where.line <= 5);
  CHECK_THROWS_WITH_AS(ParamSet::load(file), doctest::Contains("YAML syntax"), InputError);
  CHECK_THROWS_WITH_AS(ParamSet::load(file), doctest::Contains("syntax_error.yaml:"), InputError);
  CHECK_THROWS_WITH_AS(load_text("a: [1,\n"), doctest::Contains("case.yaml:"), InputError);
}

TEST_CASE("every error of one file is reported together, each at its line") {
  const fs::path file = data / "errors/many_errors.yaml";
  const auto diags = diagnostics_of([&] { ParamSet::load(file); });
  CHECK(diags.size() == 8);
  struct Expect {
    const char* key;
    int line;
    const char* text;
  };
  const Expect expected[] = {
      {"cathode.thicknes", 3, "did you mean 'cathode.thickness'"},
      {"cathode.porosity", 4, "out of range"},
      {"membrane.thickness", 6, "expected a length"},
      {"cell.area", 8, "unknown unit symbol 'furlongs'"},
      {"solver.linear_solver", 10, "did you mean 'band'"},
      {"mesh.cathode", 12, "is not an integer"},
      {"anodes", 13, "did you mean 'anode'"},
      {"sei", 15, "is a section"},
  };
  for (const Expect& x : expected) {
    CAPTURE(x.key);
    const Diagnostic* d = find_key(diags, x.key);
    REQUIRE(d != nullptr);
    CHECK(d->where.line == x.line);
    CHECK(same_file(d->where.file, file));
    CHECK(d->message.find(x.text) != std::string::npos);
  }
  // what() holds every one of them.
  CHECK_THROWS_WITH_AS(ParamSet::load(file), doctest::Contains("many_errors.yaml:4:13"),
                       InputError);
  CHECK_THROWS_WITH_AS(ParamSet::load(file), doctest::Contains("many_errors.yaml:15:6"),
                       InputError);
}

TEST_CASE("file errors and --set errors come in one exception") {
  const auto diags = diagnostics_of([] {
    load_text("cathode:\n  porosity: 1.3\n", {"cathode.thickness=74 V", "nokey=1"});
  });
  CHECK(diags.size() == 3);
}

TEST_CASE("--set: units, unknown keys, malformed overrides") {
  SUBCASE("a value with units") {
    const ParamSet p = load_text("cathode:\n  thickness: 70 um\n", {"cathode.thickness=80 um"});
    CHECK(p.quantity("cathode.thickness") == doctest::Approx(80e-6).scale(0));
    CHECK(p.where("cathode.thickness").file == "--set cathode.thickness=80 um");
  }
  SUBCASE("a key only --set gives") {
    const ParamSet p = load_text("", {"membrane.thickness=0.025 mm"});
    CHECK(p.quantity("membrane.thickness") == doctest::Approx(25e-6).scale(0));
    CHECK(p.given("membrane.thickness"));
  }
  SUBCASE("unknown key, with a suggestion") {
    CHECK_THROWS_WITH_AS(
        load_text("", {"cathode.thicknes=80 um"}),
        doctest::Contains("--set cathode.thicknes=80 um: error: [cathode.thicknes] "
                          "unknown key 'cathode.thicknes'; did you mean "
                          "'cathode.thickness'?"),
        InputError);
  }
  SUBCASE("misspelt section") {
    CHECK_THROWS_WITH_AS(load_text("", {"cathod.thickness=80 um"}),
                         doctest::Contains("did you mean 'cathode.thickness'?"), InputError);
  }
  SUBCASE("a path below a key") {
    CHECK_THROWS_WITH_AS(load_text("", {"cathode.ocp.value=4"}),
                         doctest::Contains("'cathode.ocp' is a key, not a section"), InputError);
  }
  SUBCASE("a section, not a key") {
    // Used to say "unknown key 'cathode'; did you mean 'cathode'?".
    CHECK_THROWS_WITH_AS(load_text("", {"cathode=80 um"}),
                         doctest::Contains("'cathode' is a section, not a key"), InputError);
  }
  SUBCASE("no '='") {
    CHECK_THROWS_WITH_AS(load_text("", {"cathode.thickness"}),
                         doctest::Contains("expected --set key.path=value"), InputError);
    CHECK_THROWS_WITH_AS(load_text("", {"=80 um"}),
                         doctest::Contains("expected --set key.path=value"), InputError);
  }
  SUBCASE("a bad value is checked like a file's") {
    const auto diags = diagnostics_of([] { load_text("", {"cathode.porosity=1.3"}); });
    REQUIRE(diags.size() == 1);
    CHECK(diags[0].where.file == "--set cathode.porosity=1.3");
    CHECK(diags[0].message.find("out of range") != std::string::npos);
  }
}

TEST_CASE("defaults fill absent keys and are flagged") {
  const ParamSet p = load_text("cell:\n  area: 2 cm2\n");
  CHECK(p.has("cell.temperature"));
  const cascade::Entry* e = p.find("cell.temperature");
  REQUIRE(e != nullptr);
  CHECK(e->is_default);
  CHECK(e->src.file == "(default)");
  CHECK_FALSE(p.given("cell.temperature"));
  CHECK(p.quantity("cell.temperature") == doctest::Approx(298.15).scale(0));
  CHECK(p.integer("mesh.cathode") == 20);
  CHECK(p.string("solver.linear_solver") == "band");
  // A given key is not a default, even when it equals the default.
  const ParamSet q = load_text("cell:\n  temperature: 25 degC\n");
  CHECK(q.given("cell.temperature"));
  CHECK_FALSE(q.find("cell.temperature")->is_default);
  // Keys without a declared default stay absent.
  CHECK_FALSE(p.has("cathode.thickness"));
  CHECK_FALSE(p.given("cathode.thickness"));
  CHECK(p.find("cathode.thickness") == nullptr);
  CHECK(p.given("cell.area"));
}

TEST_CASE("an empty file is an empty set with its defaults") {
  const ParamSet p = load_text("");
  CHECK(p.file() == "case.yaml");
  for (const auto& [path, e] : p.entries()) {
    CAPTURE(path);
    CHECK(e.is_default);
  }
  CHECK(p.has("solver.rtol"));
}

TEST_CASE("missing keys: at() names one, require() names all at once") {
  const ParamSet p = load_text("");
  CHECK_THROWS_WITH_AS(
      p.at("cathode.thickness"),
      doctest::Contains("missing required key 'cathode.thickness': cathode coating "
                        "thickness (or give cathode.loading and it follows); expected a length"),
      InputError);
  CHECK_THROWS_WITH_AS(p.quantity("anode.thickness"),
                       doctest::Contains("missing required key 'anode.thickness'"), InputError);
  const auto diags = diagnostics_of([&] {
    p.require({"cathode.thickness", "cell.area", "membrane.thickness"});
  });
  REQUIRE(diags.size() == 2);  // cell.area has a default
  CHECK(diags[0].key == "cathode.thickness");
  CHECK(diags[1].key == "membrane.thickness");
  CHECK_NOTHROW(p.require({"cell.area"}));
}

TEST_CASE("quantities convert to SI") {
  const ParamSet p = load_text(
      "cell:\n  temperature: 25 degC\n  area: 1 cm2\n"
      "cathode:\n  nominal_capacity: 148 mAh/g\n  max_concentration: 23.6 mol/L\n");
  CHECK(p.quantity("cell.temperature") == doctest::Approx(298.15).scale(0));
  CHECK(p.quantity("cell.area") == doctest::Approx(1e-4).scale(0));
  CHECK(p.quantity("cathode.nominal_capacity") == doctest::Approx(148 * 3600.0).scale(0));
  CHECK(p.quantity("cathode.max_concentration") == doctest::Approx(23600).scale(0));
}

TEST_CASE("a null value unsets a key inherited from an included file") {
  const auto p = ParamSet::load(std::filesystem::path(CASCADE_SOURCE_DIR) /
                                "tests/data/models/rich_cell_i0.yaml");
  CHECK_FALSE(p.has("cathode.rate_constant"));
  CHECK(p.given("cathode.exchange_current"));
  CHECK(p.given("cathode.thickness"));  // the rest of the inherited section stays
}

TEST_CASE("--set key=~ unsets a key, as key: ~ does in a file") {
  const auto file = std::filesystem::path(CASCADE_SOURCE_DIR) / "tests/data/models/rich_cell_i0.yaml";
  CHECK(ParamSet::load(file).given("cathode.thickness"));
  CHECK_FALSE(ParamSet::load(file, {"cathode.thickness=~"}).has("cathode.thickness"));
  CHECK_FALSE(ParamSet::load(file, {"cathode.thickness=null"}).has("cathode.thickness"));
  // a default comes back when its key is unset
  const auto p = ParamSet::load(file, {"cell.temperature=~"});
  CHECK(p.has("cell.temperature"));
  CHECK(p.find("cell.temperature")->is_default);
}

TEST_CASE("with_overrides: the same set as loading with the overrides, the base unchanged") {
  const auto file = std::filesystem::path(CASCADE_SOURCE_DIR) / "cases/reference/lmo_constant_1c.yaml";
  const std::vector<std::string> overrides{"cathode.thickness=80 um", "electrolyte.conductivity=0.5 S/m",
                                           "cell.temperature=~", "mesh.cathode=12",
                                           "cathode.ocp_reference_temperature=30 degC"};
  const ParamSet base = ParamSet::load(file, {"cell.temperature=40 degC"});
  const ParamSet direct = ParamSet::load(file, [&] {
    auto all = overrides;
    all.insert(all.begin(), "cell.temperature=40 degC");
    return all;
  }());
  const ParamSet derived = base.with_overrides(overrides);
  CHECK(derived.file() == direct.file());
  REQUIRE(derived.entries().size() == direct.entries().size());
  for (const auto& [path, e] : direct.entries()) {
    CAPTURE(path);
    const cascade::Entry* d = derived.find(path);
    REQUIRE(d != nullptr);
    CHECK(YAML::Dump(d->node) == YAML::Dump(e.node));
    CHECK(d->src.to_string() == e.src.to_string());
    CHECK(d->is_default == e.is_default);
  }
  CHECK(derived.quantity("cathode.thickness") == doctest::Approx(80e-6).scale(0));
  CHECK(derived.find("cell.temperature")->is_default);  // unset: the default is back
  CHECK(base.quantity("cell.temperature") == doctest::Approx(313.15).scale(0));
  CHECK(base.string("mesh.cathode") != "12");
  CHECK(base.where("cathode.thickness").file != "--set cathode.thickness=80 um");
}

TEST_CASE("with_overrides: a bad override is reported as load() reports it") {
  const auto file = std::filesystem::path(CASCADE_SOURCE_DIR) / "cases/reference/lmo_constant_1c.yaml";
  const ParamSet base = ParamSet::load(file);
  const auto diags = diagnostics_of([&] { base.with_overrides({"cathode.porosity=1.3", "cathode.thicknes=1"}); });
  REQUIRE(diags.size() == 2);
  const auto& range = diags[0].key == "cathode.porosity" ? diags[0] : diags[1];
  const auto& unknown = diags[0].key == "cathode.porosity" ? diags[1] : diags[0];
  CHECK(range.where.file == "--set cathode.porosity=1.3");
  CHECK(range.message.find("out of range") != std::string::npos);
  CHECK(unknown.message.find("did you mean 'cathode.thickness'?") != std::string::npos);
  CHECK_THROWS_WITH_AS(base.with_overrides({"electrolyte.conductivity={expression: 'c_e +'}"}),
                       doctest::Contains("electrolyte.conductivity"), InputError);
}
