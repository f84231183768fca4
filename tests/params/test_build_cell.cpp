// From a loaded parameter set to CellParams: SI values, derived quantities, defaults, and every
// missing key reported at once.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>

#include "params/build_cell.hpp"
#include "params/protocol.hpp"

namespace fs = std::filesystem;
using cascade::InputError;
using cascade::ParamSet;

namespace {
const fs::path cells = fs::path(CASCADE_TEST_DATA) / "params/cell";
}

TEST_CASE("a complete cell: SI values, derived values and defaults") {
  const cascade::CellParams c =
      cascade::build_cell_params(ParamSet::load(cells / "complete_cell.yaml"));
  // Given, converted to SI.
  CHECK(c.cathode.thickness == doctest::Approx(80e-6).scale(0));
  CHECK(c.cathode.particle_radius == doctest::Approx(5e-6).scale(0));
  CHECK(c.cathode.density == doctest::Approx(4280).scale(0));
  CHECK(c.cathode.nominal_capacity == doctest::Approx(148 * 3600.0).scale(0));  // C/kg
  CHECK(c.cathode.c_max == doctest::Approx(23634).scale(0));
  CHECK(c.cathode.sto0 == doctest::Approx(0.2).scale(0));
  CHECK(c.anode.i0_ref == doctest::Approx(10).scale(0));
  CHECK(c.anode.thickness == doctest::Approx(1e-3).scale(0));
  CHECK(c.electrolyte.c0 == doctest::Approx(1000).scale(0));
  CHECK(c.membrane.thickness == doctest::Approx(25e-6).scale(0));
  CHECK(c.mesh.cathode == 8);
  // Derived.
  CHECK(c.membrane.transport_efficiency == doctest::Approx(std::pow(0.4, 1.5)).scale(0));
  CHECK(c.cathode.transport_efficiency == doctest::Approx(std::pow(0.35, 1.5)).scale(0));
  CHECK(c.cathode.sigma_eff == doctest::Approx(std::pow(0.65, 1.5)).scale(0));
  CHECK(c.active_mass() == doctest::Approx(0.5 * 80e-6 * 4280).scale(0));
  CHECK(c.one_c_current_density() == doctest::Approx(0.5 * 80e-6 * 4280 * 148 * 3600.0 / 3600.0).scale(0));
  // Defaults.
  CHECK(c.area == doctest::Approx(1e-4).scale(0));
  CHECK(c.temperature == doctest::Approx(298.15).scale(0));
  CHECK(c.contact_resistance == 0.0);
  CHECK(c.mesh.membrane == 10);
  CHECK(c.mesh.particle == 10);
  CHECK(c.anode.c_ref == doctest::Approx(1000).scale(0));
  CHECK(c.anode.molar_volume == doctest::Approx(1.2998e-5).scale(0));
  CHECK(c.sei.thickness == 0.0);
  CHECK(c.cei.conductivity == doctest::Approx(1e-6).scale(0));
  CHECK(c.cathode.alpha_a == doctest::Approx(0.5).scale(0));
  // Material functions.
  CHECK(c.cathode.ocp.bind(298.15)->eval(0.3).v == doctest::Approx(4.15).scale(0));  // linear table
  CHECK(c.electrolyte.conductivity.bind(320)->eval(1000).v == doctest::Approx(2.5).scale(0));
  CHECK(c.electrolyte.transference_number.bind(298.15)->eval(1000).v == doctest::Approx(0.2).scale(0));
  CHECK(c.electrolyte.thermodynamic_factor.bind(298.15)->eval(1000).v == doctest::Approx(1.0).scale(0));
  CHECK(c.cathode.entropic.bind(298.15)->eval(0.5).v == 0.0);
}

TEST_CASE(
    "overrides reach the cell, and a given transport efficiency replaces porosity^bruggeman") {
  const cascade::CellParams c = cascade::build_cell_params(ParamSet::load(
      cells / "complete_cell.yaml",
      {"cathode.thickness=60 um", "cathode.transport_efficiency=0.1", "cell.temperature=40 degC"}));
  CHECK(c.cathode.thickness == doctest::Approx(60e-6).scale(0));
  CHECK(c.cathode.transport_efficiency == doctest::Approx(0.1).scale(0));
  CHECK(c.temperature == doctest::Approx(313.15).scale(0));
}

TEST_CASE("every missing key is reported, all in one error") {
  const ParamSet p = ParamSet::load(cells / "partial_cell.yaml");
  try {
    cascade::build_cell_params(p);
    FAIL_CHECK("no InputError thrown");
  } catch (const InputError& e) {
    const auto& d = e.diagnostics();
    CHECK(d.size() == 16);  // 19 keys without defaults, 3 given
    const auto has = [&](const std::string& key) {
      return std::any_of(d.begin(), d.end(), [&](const auto& x) { return x.key == key; });
    };
    for (const char* k :
         {"anode.exchange_current", "electrolyte.initial_concentration", "electrolyte.conductivity",
          "electrolyte.diffusivity", "electrolyte.transference_number", "cathode.porosity",
          "cathode.ocp", "cathode.rate_constant", "cathode.nominal_capacity"}) {
      CAPTURE(k);
      CHECK(has(k));
    }
    for (const char* k : {"anode.thickness", "membrane.thickness", "cathode.thickness"}) {
      CAPTURE(k);
      CHECK_FALSE(has(k));
    }
  }
  CHECK_THROWS_WITH_AS(cascade::build_cell_params(p),
                       doctest::Contains("partial_cell.yaml: error: [cathode.porosity] missing "
                                         "required key 'cathode.porosity'"),
                       InputError);
  CHECK_THROWS_WITH_AS(cascade::build_cell_params(p),
                       doctest::Contains("[cathode.ocp] missing required key 'cathode.ocp': "
                                         "open-circuit potential"),
                       InputError);
  // An empty set names all 19.
  try {
    cascade::build_cell_params(ParamSet::load_string("", "empty.yaml"));
    FAIL_CHECK("no InputError thrown");
  } catch (const InputError& e) {
    CHECK(e.diagnostics().size() == 19);
  }
}

TEST_CASE("volume fractions above 1 are an error at the active fraction") {
  const ParamSet p = ParamSet::load(cells / "overfull_cell.yaml");
  CHECK_THROWS_WITH_AS(cascade::build_cell_params(p),
                       doctest::Contains("porosity 0.35 + active_fraction 0.7 exceed 1"),
                       InputError);
  CHECK_THROWS_WITH_AS(cascade::build_cell_params(p), doctest::Contains("overfull_cell.yaml:4:20"),
                       InputError);
}

TEST_CASE("solver settings: defaults and overrides") {
  const auto d = cascade::build_solver_settings(ParamSet::load_string("", "x.yaml"));
  CHECK(d.rtol == doctest::Approx(1e-6).scale(0));
  CHECK(d.atol == doctest::Approx(1e-6).scale(0));
  CHECK(d.max_step == 0.0);
  CHECK(d.linear_solver == "band");
  CHECK(d.timeseries == "every step");
  const auto s = cascade::build_solver_settings(
      ParamSet::load_string("solver:\n  rtol: 1e-8\n  linear_solver: klu\n  max_step: 2 min\n"
                            "output:\n  timeseries: every 10 s\n",
                            "x.yaml"));
  CHECK(s.rtol == doctest::Approx(1e-8).scale(0));
  CHECK(s.linear_solver == "klu");
  CHECK(s.max_step == doctest::Approx(120).scale(0));
  CHECK(s.timeseries == "every 10 s");
}

TEST_CASE("case name: the name key, else the file's stem") {
  CHECK(cascade::case_name(ParamSet::load(cells / "case.yaml")) == "small_case");
  CHECK(cascade::case_name(ParamSet::load(cells / "complete_cell.yaml")) == "complete_cell");
}

// ---- materials: loading, volume fractions, capacity checks, OCP window, film composition ----

namespace {
cascade::CellParams with(const std::vector<std::string>& overrides) {
  return cascade::build_cell_params(ParamSet::load(cells / "complete_cell.yaml", overrides));
}
}  // namespace

TEST_CASE("loading and additive fraction close the cathode's geometry") {
  // active_fraction = 1 - porosity - additive; thickness = loading / (density active_fraction)
  const auto c = with({"cathode.active_fraction=~", "cathode.additive_fraction=0.15",
                       "cathode.thickness=~", "cathode.loading=2 mg/cm2"});
  CHECK(c.cathode.active_fraction == doctest::Approx(1 - 0.35 - 0.15).scale(0));
  CHECK(c.cathode.thickness == doctest::Approx(2e-2 / (4280 * 0.5)).scale(0));
  CHECK(c.active_mass() == doctest::Approx(2e-2).scale(0));
  // consistent over-determination is accepted, inconsistent is an error naming both values
  CHECK_NOTHROW(with({"cathode.additive_fraction=0.15"}));
  CHECK_THROWS_WITH_AS(with({"cathode.additive_fraction=0.2"}),
                       doctest::Contains("must add up to 1"), InputError);
  CHECK_THROWS_WITH_AS(with({"cathode.loading=2 mg/cm2"}),
                       doctest::Contains("but cathode.thickness is 80 um"), InputError);
  CHECK_THROWS_WITH_AS(with({"cathode.active_fraction=~", "cathode.additive_fraction=0.7"}),
                       doctest::Contains("leave no room for active material"), InputError);
}

TEST_CASE("capacity figures of the material are checked against each other") {
  // c_max = density / molar_mass; theoretical capacity = F c_max / density
  CHECK_NOTHROW(with({"cathode.molar_mass=181.1 g/mol"}));  // 4280 / 0.1811 = 23634
  CHECK_THROWS_WITH_AS(with({"cathode.molar_mass=170 g/mol"}),
                       doctest::Contains("disagrees with density / molar_mass"), InputError);
  CHECK_NOTHROW(with({"cathode.theoretical_capacity=148 mAh/g"}));
  CHECK_THROWS_WITH_AS(with({"cathode.theoretical_capacity=160 mAh/g"}),
                       doctest::Contains("disagrees with F max_concentration / density"),
                       InputError);
}

TEST_CASE("initial state of charge and the OCP's valid range") {
  const auto c = with({"cathode.initial_stoichiometry=~", "cell.initial_soc=0.25",
                       "cathode.stoichiometry_charged=0.2", "cathode.stoichiometry_discharged=0.9"});
  CHECK(c.cathode.sto0 == doctest::Approx(0.9 + 0.25 * (0.2 - 0.9)).scale(0));
  CHECK_THROWS_WITH_AS(with({"cell.initial_soc=0.25"}), doctest::Contains("not both"), InputError);
  CHECK_THROWS_WITH_AS(with({"cathode.initial_stoichiometry=~", "cell.initial_soc=0.25"}),
                       doctest::Contains("cathode.stoichiometry_charged"), InputError);
  CHECK_THROWS_WITH_AS(with({"cathode.stoichiometry_charged=0.9", "cathode.stoichiometry_discharged=0.2"}),
                       doctest::Contains("more lithium discharged than charged"), InputError);
  // the fixture's OCP table covers sto 0.1 .. 1.0
  CHECK(c.cathode.ocp_sto_min == doctest::Approx(0.1));
  CHECK(c.cathode.ocp_sto_max == doctest::Approx(1.0));
  CHECK_THROWS_WITH_AS(with({"cathode.stoichiometry_charged=0.05"}),
                       doctest::Contains("outside the range where cathode.ocp is valid, [0.1, 1]"),
                       InputError);
  CHECK_THROWS_WITH_AS(with({"cathode.initial_stoichiometry=0.05"}),
                       doctest::Contains("outside the range where cathode.ocp is valid"), InputError);
}

TEST_CASE("a film's conductivity from its composition") {
  const std::vector<std::string> phases{"phases.LiF.conductivity=1e-9 S/cm",
                                        "phases.Li2O.conductivity=1e-8 S/cm",
                                        "phases.organic.conductivity=1e-9 S/cm"};
  auto o = phases;
  o.insert(o.end(), {"sei.composition.LiF=0.1", "sei.composition.Li2O=0.6",
                     "sei.composition.organic=0.3"});
  const auto c = with(o);
  const double expected = cascade::bruggeman_conductivity(
      {{"LiF", 0.1, 1e-7}, {"Li2O", 0.6, 1e-6}, {"organic", 0.3, 1e-7}});
  CHECK(c.sei.conductivity == doctest::Approx(expected).scale(0));
  CHECK(c.sei.phases.size() == 3);
  CHECK(c.cei.phases.empty());  // given directly
  auto bad = o;
  bad.push_back("sei.conductivity=1e-6 S/m");
  CHECK_THROWS_WITH_AS(with(bad), doctest::Contains("not both"), InputError);
  bad = o;
  bad.push_back("sei.composition.organic=0.2");
  CHECK_THROWS_WITH_AS(with(bad), doctest::Contains("add up to 90 %"), InputError);
  bad = o;
  bad.push_back("phases.Li2O.conductivity=~");
  CHECK_THROWS_WITH_AS(with(bad), doctest::Contains("phases.Li2O.conductivity"), InputError);
}

TEST_CASE("an inactive share of the active material leaves the model but not the mass") {
  const auto all = with({});
  const auto some = with({"cathode.inactive_fraction=0.1"});
  CHECK(some.cathode.active_fraction == doctest::Approx(0.9 * all.cathode.active_fraction).scale(0));
  CHECK(some.active_mass() == doctest::Approx(all.active_mass()).scale(0));  // mAh/g per the whole mass
  CHECK(some.one_c_current_density() == doctest::Approx(all.one_c_current_density()).scale(0));
  CHECK_THROWS_AS(with({"cathode.inactive_fraction=1"}), InputError);
}

TEST_CASE("cell.stack: the study's stacks, and clear errors for the rest") {
  const std::string li_li =
      "cell: {stack: [li_metal, sei, qsse, sei, li_metal]}\n"
      "anode: {exchange_current: 10 A/m2, thickness: 50 um, molar_volume: 1.3e-5 m3/mol}\n"
      "sei: {thickness: 2 nm, conductivity: 1e-6 S/m}\n"
      "membrane: {thickness: 74 um}\n"
      "electrolyte: {initial_concentration: 1000 mol/m3, conductivity: 0.03 S/m, diffusivity: 3e-12 m2/s,"
      " transference_number: 0.7}\n";
  const auto c = cascade::build_cell_params(ParamSet::load_string(li_li, "li_li.yaml"));
  CHECK(c.stack.left == cascade::Electrode::li_metal);
  CHECK(c.stack.right == cascade::Electrode::li_metal);
  CHECK(c.stack.left_film);
  CHECK(c.stack.right_film);
  CHECK_FALSE(c.stack.full_cell());
  // no cathode keys needed; the blocking electrode's capacitance is
  CHECK_THROWS_WITH_AS(cascade::build_cell_params(ParamSet::load_string(
                           "cell: {stack: [blocking, qsse, blocking]}\nmembrane: {thickness: 74 um}\n"
                           "electrolyte: {conductivity: 0.03 S/m, diffusivity: 3e-12 m2/s, transference_number: 0.7}\n",
                           "ss.yaml")),
                       doctest::Contains("blocking.double_layer_capacitance"), cascade::InputError);
  const auto bad = [&](const std::string& stack, const std::string& says) {
    CAPTURE(stack);
    std::string yaml = li_li;
    yaml.replace(yaml.find("[li_metal, sei, qsse, sei, li_metal]"), 36, stack);
    CHECK_THROWS_WITH_AS(cascade::build_cell_params(ParamSet::load_string(yaml, "li_li.yaml")),
                         doctest::Contains(says.c_str()), cascade::InputError);
  };
  bad("[li_metal, sei, qsse, sei, lithium]", "unknown layer 'lithium'");
  bad("[li_metal, sei, sei, li_metal]", "exactly one electrolyte layer 'qsse'");
  bad("[cathode, cei, qsse, sei, li_metal]", "'cathode' cannot be the left (x = 0) electrode");
  bad("[li_metal, cei, qsse, sei, li_metal]", "the film on a li_metal electrode is 'sei', found 'cei'");
  bad("[blocking, sei, qsse, blocking]", "a blocking electrode has no film");
  bad("[li_metal, sei, qsse, cathode]", "the cathode needs its CEI");
  bad("li_metal", "not a list");
}

TEST_CASE("a cell without a cathode refuses C-rates and capacities per gram") {
  const std::string yaml =
      "cell: {stack: [li_metal, sei, qsse, sei, li_metal]}\n"
      "experiment: ['Discharge at 0.2 mA/cm2 for 1 hour', 'Charge at 1C for 1 hour',"
      " 'Discharge at 0.2 mA/cm2 until 10 mAh/g']\n";
  const auto p = ParamSet::load_string(yaml, "li_li.yaml");
  CHECK_THROWS_WITH_AS(cascade::case_protocol(p), doctest::Contains("'Charge at 1C for 1 hour': a C-rate is relative to the cathode"),
                       cascade::InputError);
  CHECK_THROWS_WITH_AS(cascade::case_protocol(p), doctest::Contains("a capacity per gram"), cascade::InputError);
}

TEST_CASE("a stack without a cathode warns that the cathode values it was given are not used") {
  const auto p = ParamSet::load_string(
      "cell: {stack: [li_metal, sei, qsse, sei, li_metal]}\ncathode: {porosity: 0.4, particle_radius: 5 um}\n"
      "experiment: ['Discharge at 0.2 mA/cm2 for 1 hour']\n",
      "mixed.yaml");
  const auto w = cascade::protocol_warnings(p, cascade::case_protocol(p));
  REQUIRE(w.size() == 1);
  CHECK(w[0].find("has no cathode: 2 given value(s)") != std::string::npos);
  CHECK(w[0].find("mixed.yaml:2") != std::string::npos);
}
