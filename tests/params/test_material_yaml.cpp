// Material functions written in YAML: every shape, both temperature laws, and their errors.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "params/material_yaml.hpp"

using cascade::InputError;
using cascade::ParamSet;
using cascade::Property;

namespace {

constexpr double R = cascade::gas_constant;
constexpr double faraday = 96485.33212;  // J/mol per eV (per particle)

ParamSet load_text(const std::string& yaml) {
  return ParamSet::load_string(yaml, "fn.yaml");
}

// electrolyte.conductivity (a function of c_e, in S/m) from the YAML below `conductivity:`.
Property conductivity(const std::string& body) {
  return cascade::material_function(load_text("electrolyte:\n  conductivity:\n" + body),
                                    "electrolyte.conductivity");
}

double at(const Property& p, double x, double T) {
  return p.bind(T)->eval(x).v;
}

}  // namespace

TEST_CASE("constant: a scalar with a unit") {
  const Property p = cascade::material_function(
      load_text("electrolyte:\n  conductivity: 3.32e-4 S/cm\n"), "electrolyte.conductivity");
  CHECK(at(p, 1000, 298.15) == doctest::Approx(0.0332).scale(0));
  CHECK(at(p, 10, 350) == doctest::Approx(0.0332).scale(0));
  CHECK(p.bind(298.15)->eval(500).dv == 0.0);
  CHECK_FALSE(p.depends_on_x());
}

TEST_CASE("value with an Arrhenius law") {
  const Property p = conductivity(
      "    value: 1 S/m\n    activation_energy: 0.17 eV\n    reference_temperature: 20 degC\n");
  const double Ea = 0.17 * faraday;
  CHECK(at(p, 1000, 293.15) == doctest::Approx(1.0).scale(0));
  const double T = 333.15;
  CHECK(at(p, 1000, T) == doctest::Approx(std::exp(-Ea / R * (1 / T - 1 / 293.15))).epsilon(1e-10).scale(0));
  CHECK(at(p, 1000, T) > 2.0);  // 0.17 eV roughly doubles it over 40 K
  CHECK(at(p, 1000, 273.15) < 1.0);
  // kJ/mol reads the same way.
  const Property q = conductivity(
      "    value: 1 S/m\n    activation_energy: 16.4 kJ/mol\n    reference_temperature: 298.15 "
      "K\n");
  CHECK(at(q, 1000, 320) == doctest::Approx(std::exp(-16400 / R * (1 / 320.0 - 1 / 298.15))).scale(0));
}

TEST_CASE("value with a VTF law") {
  const Property p = conductivity(
      "    value: 0.5 S/m\n    vtf: {B: 600 K, T0: 170 K}\n    reference_temperature: 20 degC\n");
  CHECK(at(p, 1000, 293.15) == doctest::Approx(0.5).scale(0));
  const double T = 313.15;
  const double expected = 0.5 * std::exp(-600 / (T - 170) + 600 / (293.15 - 170));
  CHECK(at(p, 1000, T) == doctest::Approx(expected).epsilon(1e-10).scale(0));
}

TEST_CASE("value with a series_arrhenius law (two resistances in series)") {
  const Property p = conductivity(
      "    value: 2 S/m\n    reference_temperature: 20 degC\n    series_arrhenius:\n"
      "      - {share: 0.75, activation_energy: 0.1 eV}\n"
      "      - {share: 0.25, activation_energy: 0.6 eV}\n");
  CHECK(at(p, 1000, 293.15) == doctest::Approx(2.0).scale(0));
  const double E1 = 0.1 * faraday, E2 = 0.6 * faraday;
  for (double T : {233.15, 263.15, 313.15, 353.15}) {
    const double r = 0.75 * std::exp(E1 / R * (1 / T - 1 / 293.15)) +
                     0.25 * std::exp(E2 / R * (1 / T - 1 / 293.15));
    CHECK(at(p, 1000, T) == doctest::Approx(2.0 / r).epsilon(1e-12).scale(0));
  }
  // The apparent activation energy -R dln(kappa)/d(1/T) rises as it gets cold.
  const auto apparent = [&](double Ta, double Tb) {
    return R * std::log(at(p, 1000, Tb) / at(p, 1000, Ta)) / (1 / Ta - 1 / Tb);
  };
  CHECK(apparent(233.15, 243.15) > apparent(333.15, 343.15));
  CHECK(apparent(333.15, 343.15) > E1);
  CHECK(apparent(233.15, 243.15) < E2);
}

TEST_CASE("table in c_e, with units on every entry") {
  const std::string table =
      "    table: {c_e: [0.5 mol/L, 1 mol/L, 2 mol/L], values: [0.5 S/m, 10 mS/cm, 0.8 S/m]}\n";
  SUBCASE("pchip by default: through the points, within their range") {
    const Property p = conductivity(table);
    CHECK(at(p, 500, 298.15) == doctest::Approx(0.5).scale(0));
    CHECK(at(p, 1000, 298.15) == doctest::Approx(1.0).scale(0));
    CHECK(at(p, 2000, 298.15) == doctest::Approx(0.8).scale(0));
    const double mid = at(p, 1500, 298.15);
    CHECK(mid <= 1.0);
    CHECK(mid >= 0.8);
  }
  SUBCASE("linear") {
    const Property p = conductivity(table + "    interpolation: linear\n");
    CHECK(at(p, 1500, 298.15) == doctest::Approx(0.9).scale(0));
    CHECK(at(p, 750, 298.15) == doctest::Approx(0.75).scale(0));
    CHECK(p.bind(298.15)->eval(750).dv == doctest::Approx(0.5 / 500).scale(0));
  }
  SUBCASE("with an Arrhenius law") {
    const Property p = conductivity(table +
                                    "    activation_energy: 20 kJ/mol\n"
                                    "    reference_temperature: 25 degC\n");
    CHECK(at(p, 1000, 298.15) == doctest::Approx(1.0).scale(0));
    CHECK(at(p, 1000, 330) == doctest::Approx(std::exp(-20000 / R * (1 / 330.0 - 1 / 298.15))).scale(0));
  }
}

TEST_CASE("table in T: a temperature dependence alone") {
  const Property p = conductivity(
      "    table: {T: [0 degC, 25 degC, 50 degC], values: [0.1 S/m, 0.3 S/m, 0.6 S/m]}\n");
  CHECK(at(p, 1000, 273.15) == doctest::Approx(0.1).scale(0));
  CHECK(at(p, 1000, 298.15) == doctest::Approx(0.3).scale(0));
  CHECK(at(p, 1000, 323.15) == doctest::Approx(0.6).scale(0));
  CHECK(at(p, 10, 298.15) == doctest::Approx(0.3).scale(0));  // no c_e dependence
  const double between = at(p, 1000, 310);
  CHECK(between > 0.3);
  CHECK(between < 0.6);
}

TEST_CASE("polynomial in the variable, SI coefficients") {
  const Property p = cascade::material_function(
      load_text("electrolyte:\n  transference_number:\n    polynomial: [0.2, 1e-4, -1e-8]\n"),
      "electrolyte.transference_number");
  const auto v = p.bind(298.15)->eval(1000);
  CHECK(v.v == doctest::Approx(0.2 + 0.1 - 0.01).scale(0));
  CHECK(v.dv == doctest::Approx(1e-4 - 2e-8 * 1000).scale(0));
  SUBCASE("with a unit for the result") {
    const Property q = conductivity("    polynomial: [1, 0.001]\n    unit: mS/cm\n");
    CHECK(at(q, 1000, 298.15) == doctest::Approx(0.2).scale(0));  // 2 mS/cm
  }
}

TEST_CASE("expression in c_e and T") {
  const Property p = conductivity("    expression: \"1e-3 * c_e * T / 298.15\"\n");
  CHECK(p.depends_on_x());
  CHECK(at(p, 1000, 298.15) == doctest::Approx(1.0).epsilon(1e-8).scale(0));
  CHECK(at(p, 500, 298.15) == doctest::Approx(0.5).epsilon(1e-8).scale(0));
  CHECK(at(p, 1000, 350) == doctest::Approx(350 / 298.15).epsilon(1e-8).scale(0));
  CHECK(p.bind(320)->eval(800).dv == doctest::Approx(1e-3 * 320 / 298.15).epsilon(1e-6).scale(0));
}

TEST_CASE("expression with unit: mS/cm") {
  const Property p = conductivity("    expression: \"c_e / 1000\"\n    unit: mS/cm\n");
  CHECK(at(p, 1000, 298.15) == doctest::Approx(0.1).epsilon(1e-8).scale(0));  // 1 mS/cm = 0.1 S/m
  CHECK(at(p, 2500, 298.15) == doctest::Approx(0.25).epsilon(1e-8).scale(0));
}

TEST_CASE("expression in sto with a domain") {
  const Property p = cascade::material_function(
      load_text("cathode:\n  ocp:\n    expression: \"4.2 - 0.5*sto\"\n    domain: [0.1, 1]\n"),
      "cathode.ocp");
  CHECK(at(p, 0.5, 298.15) == doctest::Approx(3.95).epsilon(1e-8).scale(0));
  CHECK(at(p, 0.9, 298.15) == doctest::Approx(3.75).epsilon(1e-8).scale(0));
}

TEST_CASE("source is accepted and ignored") {
  CHECK(at(conductivity("    value: 2 S/m\n    source: \"a paper\"\n"), 1000, 298.15) ==
        doctest::Approx(2.0).scale(0));
}

TEST_CASE("errors: shapes") {
  CHECK_THROWS_WITH_AS(conductivity("    value: 1 S/m\n    expression: \"c_e\"\n"),
                       doctest::Contains("needs exactly one of value, table, polynomial, "
                                         "expression; found value, expression"),
                       InputError);
  CHECK_THROWS_WITH_AS(conductivity("    source: \"a paper\"\n"), doctest::Contains("found none"),
                       InputError);
  CHECK_THROWS_WITH_AS(load_text("electrolyte:\n  conductivity: [1, 2]\n"),
                       doctest::Contains("expected a value or a map"), InputError);
}

TEST_CASE("errors: unknown key in the map, with a suggestion, at its line") {
  CHECK_THROWS_WITH_AS(conductivity("    value: 1 S/m\n    colour: red\n"),
                       doctest::Contains("fn.yaml:4:5: error: [electrolyte.conductivity.colour] "
                                         "unknown key 'colour' in a material function"),
                       InputError);
  CHECK_THROWS_WITH_AS(conductivity("    value: 1 S/m\n    activation_energie: 1 kJ/mol\n"),
                       doctest::Contains("did you mean 'activation_energy'?"), InputError);
}

TEST_CASE("errors: temperature laws") {
  CHECK_THROWS_WITH_AS(conductivity("    value: 1 S/m\n    activation_energy: 0.17 eV\n"),
                       doctest::Contains("a temperature law needs reference_temperature"),
                       InputError);
  CHECK_THROWS_WITH_AS(conductivity("    value: 1 S/m\n    vtf: {B: 600 K, T0: 170 K}\n"),
                       doctest::Contains("a temperature law needs reference_temperature"),
                       InputError);
  CHECK_THROWS_WITH_AS(
      conductivity("    value: 1 S/m\n    vtf: {B: 600 K, T0: 400 K}\n"
                   "    reference_temperature: 25 degC\n"),
      doctest::Contains("T0 = 400 K must lie below the reference temperature 298.15 K"),
      InputError);
  CHECK_THROWS_WITH_AS(conductivity("    value: 1 S/m\n    vtf: {B: 600 K}\n"
                                    "    reference_temperature: 25 degC\n"),
                       doctest::Contains("expected vtf: {B: <temperature>, T0: <temperature>}"),
                       InputError);
  CHECK_THROWS_WITH_AS(conductivity("    value: 1 S/m\n    activation_energy: 1 kJ/mol\n"
                                    "    vtf: {B: 600 K, T0: 170 K}\n"
                                    "    reference_temperature: 25 degC\n"),
                       doctest::Contains("give one temperature law"), InputError);
  const std::string head = "    value: 1 S/m\n    reference_temperature: 25 degC\n";
  CHECK_THROWS_WITH_AS(conductivity(head + "    series_arrhenius:\n"
                                           "      - {share: 0.5, activation_energy: 0.1 eV}\n"
                                           "      - {share: 0.4, activation_energy: 0.5 eV}\n"),
                       doctest::Contains("the shares add up to 0.9"), InputError);
  CHECK_THROWS_WITH_AS(conductivity(head + "    series_arrhenius:\n"
                                           "      - {share: 1, activation_energy: 0.1 eV}\n"),
                       doctest::Contains("a list of at least two {share:"), InputError);
  CHECK_THROWS_WITH_AS(conductivity(head + "    series_arrhenius:\n"
                                           "      - {share: 0.5, activation_energy: 0.1 eV}\n"
                                           "      - {share: 0.5, energy: 0.5 eV}\n"),
                       doctest::Contains("series_arrhenius[1]"), InputError);
  CHECK_THROWS_WITH_AS(conductivity(head + "    series_arrhenius:\n"
                                           "      - {share: 1.5, activation_energy: 0.1 eV}\n"
                                           "      - {share: -0.5, activation_energy: 0.5 eV}\n"),
                       doctest::Contains("series_arrhenius[0].share"), InputError);
  CHECK_THROWS_WITH_AS(conductivity("    value: 1 S/m\n    activation_energy: 1 V\n"
                                    "    reference_temperature: 25 degC\n"),
                       doctest::Contains("expected a molar energy"), InputError);
  CHECK_THROWS_WITH_AS(conductivity("    expression: \"c_e\"\n    activation_energy: 1 kJ/mol\n"
                                    "    reference_temperature: 25 degC\n"),
                       doctest::Contains("cannot be combined with an expression"), InputError);
  CHECK_THROWS_WITH_AS(conductivity("    table: {T: [280 K, 300 K], values: [1 S/m, 2 S/m]}\n"
                                    "    activation_energy: 1 kJ/mol\n"
                                    "    reference_temperature: 25 degC\n"),
                       doctest::Contains("cannot be combined with a table in T"), InputError);
}

TEST_CASE("errors: tables") {
  CHECK_THROWS_WITH_AS(
      conductivity("    table: {c_e: [500, 1000, 900], values: [0.5, 1, 0.8]}\n"),
      doctest::Contains("[electrolyte.conductivity.table.c_e] c_e must increase strictly; entry 3 "
                        "does not"),
      InputError);
  CHECK_THROWS_WITH_AS(conductivity("    table: {c_e: [500, 1000, 2000], values: [0.5, 1]}\n"),
                       doctest::Contains("c_e has 3 entries but values has 2"), InputError);
  CHECK_THROWS_WITH_AS(conductivity("    table: {c_e: [500], values: [0.5]}\n"),
                       doctest::Contains("must be a list of at least two values"), InputError);
  CHECK_THROWS_WITH_AS(conductivity("    table: {sto: [0, 1], values: [0.5, 1]}\n"),
                       doctest::Contains("expected table: {c_e: [...], values: [...]}"),
                       InputError);
  CHECK_THROWS_WITH_AS(conductivity("    table: {c_e: [500 V, 1000 V], values: [0.5, 1]}\n"),
                       doctest::Contains("expected a concentration"), InputError);
  CHECK_THROWS_WITH_AS(conductivity("    table: {T: [280 K, 300 K], values: [0 S/m, 2 S/m]}\n"),
                       doctest::Contains("values must be > 0"), InputError);
  CHECK_THROWS_WITH_AS(conductivity("    table: {c_e: [500, 1000], values: [0.5, 1]}\n"
                                    "    interpolation: cubic\n"),
                       doctest::Contains("'cubic' is not an interpolation"), InputError);
}

TEST_CASE("errors: expressions") {
  CHECK_THROWS_WITH_AS(conductivity("    expression: \"c_e +* 2\"\n"),
                       doctest::Contains("cannot parse expression 'c_e +* 2'"), InputError);
  CHECK_THROWS_WITH_AS(conductivity("    expression: \"c_e * kappa0\"\n"),
                       doctest::Contains("kappa0"), InputError);
  CHECK_THROWS_WITH_AS(
      conductivity("    expression: \"c_e\"\n    unit: V\n"),
      doctest::Contains("unit 'V' is not a conductivity; accepted: S/m, S/cm, mS/cm"), InputError);
  CHECK_THROWS_WITH_AS(conductivity("    expression: \"c_e\"\n    unit: furlongs\n"),
                       doctest::Contains("furlongs"), InputError);
}

TEST_CASE("errors: unit: beside a value or a table would be ignored") {
  // `value: 3.32` with `unit: mS/cm` used to give 3.32 S/m, silently.
  CHECK_THROWS_WITH_AS(conductivity("    value: 3.32\n    unit: mS/cm\n"),
                       doctest::Contains("unit: applies to an expression or a polynomial only"),
                       InputError);
  CHECK_THROWS_WITH_AS(conductivity("    table: {c_e: [500, 1000], values: [1, 2]}\n"
                                    "    unit: mS/cm\n"),
                       doctest::Contains("unit: applies to an expression or a polynomial only"),
                       InputError);
}

TEST_CASE("errors: polynomial coefficients are numbers") {
  // Used to report yaml-cpp's bare "bad conversion".
  CHECK_THROWS_WITH_AS(conductivity("    polynomial: [1 S/m, 2]\n"),
                       doctest::Contains("coefficient '1 S/m' is not a number"), InputError);
  CHECK_THROWS_WITH_AS(conductivity("    polynomial: []\n"),
                       doctest::Contains("expected a list of coefficients"), InputError);
}

TEST_CASE("errors: a wrong scalar and the function's kind") {
  CHECK_THROWS_WITH_AS(load_text("electrolyte:\n  conductivity: 3 V\n"),
                       doctest::Contains("expected a conductivity"), InputError);
  CHECK_THROWS_WITH_AS(load_text("cathode:\n  diffusivity: {value: 1e-14 m2}\n"),
                       doctest::Contains("[cathode.diffusivity.value]"), InputError);
}

TEST_CASE("all function errors of a file come together") {
  try {
    load_text(
        "electrolyte:\n  conductivity: {value: 1 S/m, colour: red}\n"
        "  diffusivity: {source: x}\n"
        "cathode:\n  ocp: {expression: \"sto +* 2\"}\n");
    FAIL_CHECK("no InputError thrown");
  } catch (const InputError& e) {
    CHECK(e.diagnostics().size() == 3);
  }
}

namespace {

// The example: a 2-D table in T and c_e, every entry with its unit. Row k (1-based) may
// be replaced by another line.
std::string table2d_values(std::size_t k = 0, const std::string& line = "") {
  const char* const rows[] = {"      - [1.0e-5 S/cm, 1.45e-5 S/cm, 1.2e-5 S/cm]\n",
                              "      - [5.0e-5 S/cm, 7.0e-5 S/cm, 6.0e-5 S/cm]\n",
                              "      - [2.0e-4 S/cm, 3.3e-4 S/cm, 2.8e-4 S/cm]\n",
                              "      - [5.0e-4 S/cm, 8.0e-4 S/cm, 7.0e-4 S/cm]\n",
                              "      - [9.0e-4 S/cm, 1.4e-3 S/cm, 1.25e-3 S/cm]\n"};
  std::string s = "      values:\n";
  for (std::size_t i = 0; i < 5; ++i) s += i + 1 == k ? line : rows[i];
  return s;
}
const std::string table2d_axes =
    "    table:\n"
    "      T: [-30 degC, -10 degC, 20 degC, 50 degC, 80 degC]\n"
    "      c_e: [500 mol/m3, 1000 mol/m3, 1500 mol/m3]\n";

// The same table in SI, built directly.
Property table2d_si(cascade::Interp method = cascade::Interp::pchip) {
  return Property::table2d({243.15, 263.15, 293.15, 323.15, 353.15}, {500, 1000, 1500},
                           {{1.0e-3, 1.45e-3, 1.2e-3},
                            {5.0e-3, 7.0e-3, 6.0e-3},
                            {2.0e-2, 3.3e-2, 2.8e-2},
                            {5.0e-2, 8.0e-2, 7.0e-2},
                            {9.0e-2, 1.4e-1, 1.25e-1}},
                           method);
}

doctest::Approx rel(double v) {
  return doctest::Approx(v).epsilon(1e-12).scale(0);
}

}  // namespace

TEST_CASE("2-D table in T and c_e, with units on every entry") {
  SUBCASE("the grid, in SI, one row per temperature") {
    const Property p = conductivity(table2d_axes + table2d_values() + "    interpolation: pchip\n");
    CHECK(p.depends_on_x());
    CHECK(at(p, 500, 243.15) == rel(1.0e-3));
    CHECK(at(p, 1000, 243.15) == rel(1.45e-3));
    CHECK(at(p, 1500, 263.15) == rel(6.0e-3));
    CHECK(at(p, 1000, 293.15) == rel(3.3e-2));
    CHECK(at(p, 500, 353.15) == rel(9.0e-2));
    CHECK(at(p, 1500, 353.15) == rel(1.25e-1));
    // Between rows and columns, and beyond the table, it is the SI table's function.
    const Property q = table2d_si();
    for (double T : {230.0, 250.0, 298.15, 340.0, 370.0}) {
      for (double c : {300.0, 750.0, 1000.0, 1321.0, 1800.0}) {
        CAPTURE(T);
        CAPTURE(c);
        CHECK(at(p, c, T) == rel(at(q, c, T)));
        // Slopes are ~1e-5 S/m per mol/m^3 (0 at pchip's extrema): tolerance scaled to that.
        CHECK(p.bind(T)->eval(c).dv ==
              doctest::Approx(q.bind(T)->eval(c).dv).epsilon(1e-12).scale(1e-5));
      }
    }
  }
  SUBCASE("interpolation applies to c_e; other units and bare SI numbers read alike") {
    const Property p = conductivity(
        "    table:\n"
        "      T: [243.15, 263.15 K, 20 degC, 323.15 K, 80 degC]\n"
        "      c_e: [0.5 mol/L, 1 M, 1500]\n" +
        table2d_values(1, "      - [0.01 mS/cm, 1.45e-3 S/m, 1.2e-5 S/cm]\n") +
        "    interpolation: linear\n");
    const Property q = table2d_si(cascade::Interp::linear);
    CHECK(at(p, 750, 293.15) == rel(0.5 * (2.0e-2 + 3.3e-2)));
    for (double T : {250.0, 300.0}) {
      for (double c : {600.0, 1400.0}) {
        CHECK(at(p, c, T) == rel(at(q, c, T)));
      }
    }
  }
  SUBCASE("in sto for a cathode property") {
    const Property p = cascade::material_function(
        load_text("cathode:\n  diffusivity:\n    table:\n"
                  "      T: [0 degC, 50 degC]\n      sto: [0.2, 0.6, 1]\n"
                  "      values: [[1e-15 m2/s, 2e-15 m2/s, 1e-15 m2/s],\n"
                  "               [4e-15 m2/s, 8e-15 m2/s, 4e-15 m2/s]]\n"),
        "cathode.diffusivity");
    CHECK(at(p, 0.6, 273.15) == rel(2e-15));
    CHECK(at(p, 0.2, 323.15) == rel(4e-15));
  }
}

TEST_CASE("errors: 2-D tables") {
  const std::string values = table2d_values();
  // Lines of the text: 1 electrolyte, 2 conductivity, 3 table, 4 T, 5 c_e, 6 values, 7.. rows.
  SUBCASE("a row of the wrong length, at its line") {
    const std::string bad = table2d_values(2, "      - [5.0e-5 S/cm, 7.0e-5 S/cm]\n");
    CHECK_THROWS_WITH_AS(conductivity(table2d_axes + bad),
                         doctest::Contains("fn.yaml:8:9: error: [electrolyte.conductivity.table."
                                           "values] row 2 (T = -10 degC) has 2 entries but c_e "
                                           "has 3"),
                         InputError);
  }
  SUBCASE("rows that are not one per temperature") {
    CHECK_THROWS_WITH_AS(
        conductivity(table2d_axes + table2d_values(5, "")),
        doctest::Contains("values has 4 rows but T has 5 entries (one row per temperature)"),
        InputError);
    CHECK_THROWS_WITH_AS(conductivity("    table: {T: [0 degC, 20 degC], c_e: [500, 1000],\n"
                                      "            values: [1 S/m, 2 S/m]}\n"),
                         doctest::Contains("row 1 (T = 0 degC) must be a list of 2 values, one "
                                           "per c_e"),
                         InputError);
  }
  SUBCASE("axes that do not increase") {
    CHECK_THROWS_WITH_AS(
        conductivity("    table:\n      T: [-30 degC, 20 degC, -10 degC, 50 degC, 80 degC]\n"
                     "      c_e: [500 mol/m3, 1000 mol/m3, 1500 mol/m3]\n" +
                     values),
        doctest::Contains("fn.yaml:4:30: error: [electrolyte.conductivity.table.T] T must "
                          "increase strictly; entry 3 ('-10 degC') does not exceed entry 2 "
                          "('20 degC')"),
        InputError);
    CHECK_THROWS_WITH_AS(
        conductivity("    table:\n      T: [-30 degC, -10 degC, 20 degC, 50 degC, 80 degC]\n"
                     "      c_e: [500 mol/m3, 1 mol/L, 1000 mol/m3]\n" +
                     values),
        doctest::Contains("[electrolyte.conductivity.table.c_e] c_e must increase strictly; "
                          "entry 3 ('1000 mol/m3') does not exceed entry 2 ('1 mol/L')"),
        InputError);
    CHECK_THROWS_WITH_AS(conductivity("    table: {T: [20 degC], c_e: [500, 1000], values: "
                                      "[[1 S/m, 2 S/m]]}\n"),
                         doctest::Contains("electrolyte.conductivity.table.T must be a list of "
                                           "at least two values (a temperature each)"),
                         InputError);
  }
  SUBCASE("wrong units, in each part") {
    CHECK_THROWS_WITH_AS(
        conductivity("    table:\n      T: [-30 degC, -10 degC, 20 mol/m3, 50 degC, 80 degC]\n"
                     "      c_e: [500 mol/m3, 1000 mol/m3, 1500 mol/m3]\n" +
                     values),
        doctest::Contains("[electrolyte.conductivity.table.T] T entry 3: '20 mol/m3' has unit "
                          "mol/m3"),
        InputError);
    CHECK_THROWS_WITH_AS(
        conductivity("    table:\n      T: [-30 degC, -10 degC, 20 degC, 50 degC, 80 degC]\n"
                     "      c_e: [500 mol/m3, 1000 S/cm, 1500 mol/m3]\n" +
                     values),
        doctest::Contains("c_e entry 2: '1000 S/cm' has unit S/cm"), InputError);
    CHECK_THROWS_WITH_AS(
        conductivity(table2d_axes +
                     table2d_values(1, "      - [1.0e-5 S/cm, 1.45e-5 V, 1.2e-5 S/cm]\n")),
        doctest::Contains("fn.yaml:7:23: error: [electrolyte.conductivity.table.values] row 1 (T "
                          "= -30 degC), column 2 (c_e = 1000 mol/m3): '1.45e-5 V' has unit V"),
        InputError);
    CHECK_THROWS_WITH_AS(
        conductivity(table2d_axes +
                     table2d_values(1, "      - [1.0e-5 S/cm, 1.45e-5 V, 1.2e-5 S/cm]\n")),
        doctest::Contains("expected a conductivity"), InputError);
    CHECK_THROWS_WITH_AS(conductivity("    table: {T: [0 degC, 20 degC], c_e: [500, 1000],\n"
                                      "            values: [[1 S/m, 2 S/m], [1 S/m, 25 C]]}\n"),
                         doctest::Contains("row 2 (T = 20 degC), column 2 (c_e = 1000)"),
                         InputError);
  }
  SUBCASE("values must be positive: ln(value) is interpolated") {
    CHECK_THROWS_WITH_AS(
        conductivity(table2d_axes +
                     table2d_values(3, "      - [0 S/cm, 3.3e-4 S/cm, 2.8e-4 S/cm]\n")),
        doctest::Contains("fn.yaml:9:10: error: [electrolyte.conductivity.table.values] row 3 (T "
                          "= 20 degC), column 1 (c_e = 500 mol/m3): '0 S/cm' must be > 0"),
        InputError);
    CHECK_THROWS_WITH_AS(conductivity("    table: {T: [0 degC, 20 degC], c_e: [500, 1000],\n"
                                      "            values: [[1 S/m, -2 S/m], [1 S/m, 2 S/m]]}\n"),
                         doctest::Contains("row 1 (T = 0 degC), column 2 (c_e = 1000): '-2 S/m' "
                                           "must be > 0"),
                         InputError);
  }
  SUBCASE("temperatures above absolute zero") {
    CHECK_THROWS_WITH_AS(conductivity("    table: {T: [-300 degC, 20 degC], c_e: [500, 1000],\n"
                                      "            values: [[1 S/m, 2 S/m], [1 S/m, 2 S/m]]}\n"),
                         doctest::Contains("T entry 1: '-300 degC' is not above absolute zero"),
                         InputError);
  }
  SUBCASE("no temperature law, no stray keys, values required") {
    CHECK_THROWS_WITH_AS(conductivity(table2d_axes + values +
                                      "    activation_energy: 10 kJ/mol\n"
                                      "    reference_temperature: 25 degC\n"),
                         doctest::Contains("a temperature law cannot be combined with a 2-D "
                                           "table in T and c_e"),
                         InputError);
    CHECK_THROWS_WITH_AS(conductivity(table2d_axes + values + "      sto: [0, 1]\n"),
                         doctest::Contains("[electrolyte.conductivity.table.sto] unknown key "
                                           "'sto' in a 2-D table; expected T, c_e and values"),
                         InputError);
    CHECK_THROWS_WITH_AS(conductivity(table2d_axes), doctest::Contains("a 2-D table needs values"),
                         InputError);
  }
  SUBCASE("all problems of one table come together") {
    try {
      conductivity(
          "    table: {T: [0 degC, 20 degC], c_e: [500, 1000],\n"
          "            values: [[1 V, 2 S/m], [0 S/m, 2 S/m, 3 S/m]]}\n");
      FAIL_CHECK("no InputError thrown");
    } catch (const InputError& e) {
      CHECK(e.diagnostics().size() == 2);
    }
  }
}
