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
  CHECK(at(p, 1000, 298.15) == doctest::Approx(0.0332));
  CHECK(at(p, 10, 350) == doctest::Approx(0.0332));
  CHECK(p.bind(298.15)->eval(500).dv == 0.0);
  CHECK_FALSE(p.depends_on_x());
}

TEST_CASE("value with an Arrhenius law") {
  const Property p = conductivity(
      "    value: 1 S/m\n    activation_energy: 0.17 eV\n    reference_temperature: 20 degC\n");
  const double Ea = 0.17 * faraday;
  CHECK(at(p, 1000, 293.15) == doctest::Approx(1.0));
  const double T = 333.15;
  CHECK(at(p, 1000, T) == doctest::Approx(std::exp(-Ea / R * (1 / T - 1 / 293.15))).epsilon(1e-10));
  CHECK(at(p, 1000, T) > 2.0);  // 0.17 eV roughly doubles it over 40 K
  CHECK(at(p, 1000, 273.15) < 1.0);
  // kJ/mol reads the same way.
  const Property q = conductivity(
      "    value: 1 S/m\n    activation_energy: 16.4 kJ/mol\n    reference_temperature: 298.15 "
      "K\n");
  CHECK(at(q, 1000, 320) == doctest::Approx(std::exp(-16400 / R * (1 / 320.0 - 1 / 298.15))));
}

TEST_CASE("value with a VTF law") {
  const Property p = conductivity(
      "    value: 0.5 S/m\n    vtf: {B: 600 K, T0: 170 K}\n    reference_temperature: 20 degC\n");
  CHECK(at(p, 1000, 293.15) == doctest::Approx(0.5));
  const double T = 313.15;
  const double expected = 0.5 * std::exp(-600 / (T - 170) + 600 / (293.15 - 170));
  CHECK(at(p, 1000, T) == doctest::Approx(expected).epsilon(1e-10));
}

TEST_CASE("table in c_e, with units on every entry") {
  const std::string table =
      "    table: {c_e: [0.5 mol/L, 1 mol/L, 2 mol/L], values: [0.5 S/m, 10 mS/cm, 0.8 S/m]}\n";
  SUBCASE("pchip by default: through the points, within their range") {
    const Property p = conductivity(table);
    CHECK(at(p, 500, 298.15) == doctest::Approx(0.5));
    CHECK(at(p, 1000, 298.15) == doctest::Approx(1.0));
    CHECK(at(p, 2000, 298.15) == doctest::Approx(0.8));
    const double mid = at(p, 1500, 298.15);
    CHECK(mid <= 1.0);
    CHECK(mid >= 0.8);
  }
  SUBCASE("linear") {
    const Property p = conductivity(table + "    interpolation: linear\n");
    CHECK(at(p, 1500, 298.15) == doctest::Approx(0.9));
    CHECK(at(p, 750, 298.15) == doctest::Approx(0.75));
    CHECK(p.bind(298.15)->eval(750).dv == doctest::Approx(0.5 / 500));
  }
  SUBCASE("with an Arrhenius law") {
    const Property p = conductivity(table +
                                    "    activation_energy: 20 kJ/mol\n"
                                    "    reference_temperature: 25 degC\n");
    CHECK(at(p, 1000, 298.15) == doctest::Approx(1.0));
    CHECK(at(p, 1000, 330) == doctest::Approx(std::exp(-20000 / R * (1 / 330.0 - 1 / 298.15))));
  }
}

TEST_CASE("table in T: a temperature dependence alone") {
  const Property p = conductivity(
      "    table: {T: [0 degC, 25 degC, 50 degC], values: [0.1 S/m, 0.3 S/m, 0.6 S/m]}\n");
  CHECK(at(p, 1000, 273.15) == doctest::Approx(0.1));
  CHECK(at(p, 1000, 298.15) == doctest::Approx(0.3));
  CHECK(at(p, 1000, 323.15) == doctest::Approx(0.6));
  CHECK(at(p, 10, 298.15) == doctest::Approx(0.3));  // no c_e dependence
  const double between = at(p, 1000, 310);
  CHECK(between > 0.3);
  CHECK(between < 0.6);
}

TEST_CASE("polynomial in the variable, SI coefficients") {
  const Property p = cascade::material_function(
      load_text("electrolyte:\n  transference_number:\n    polynomial: [0.2, 1e-4, -1e-8]\n"),
      "electrolyte.transference_number");
  const auto v = p.bind(298.15)->eval(1000);
  CHECK(v.v == doctest::Approx(0.2 + 0.1 - 0.01));
  CHECK(v.dv == doctest::Approx(1e-4 - 2e-8 * 1000));
  SUBCASE("with a unit for the result") {
    const Property q = conductivity("    polynomial: [1, 0.001]\n    unit: mS/cm\n");
    CHECK(at(q, 1000, 298.15) == doctest::Approx(0.2));  // 2 mS/cm
  }
}

TEST_CASE("expression in c_e and T") {
  const Property p = conductivity("    expression: \"1e-3 * c_e * T / 298.15\"\n");
  CHECK(p.depends_on_x());
  CHECK(at(p, 1000, 298.15) == doctest::Approx(1.0).epsilon(1e-8));
  CHECK(at(p, 500, 298.15) == doctest::Approx(0.5).epsilon(1e-8));
  CHECK(at(p, 1000, 350) == doctest::Approx(350 / 298.15).epsilon(1e-8));
  CHECK(p.bind(320)->eval(800).dv == doctest::Approx(1e-3 * 320 / 298.15).epsilon(1e-6));
}

TEST_CASE("expression with unit: mS/cm") {
  const Property p = conductivity("    expression: \"c_e / 1000\"\n    unit: mS/cm\n");
  CHECK(at(p, 1000, 298.15) == doctest::Approx(0.1).epsilon(1e-8));  // 1 mS/cm = 0.1 S/m
  CHECK(at(p, 2500, 298.15) == doctest::Approx(0.25).epsilon(1e-8));
}

TEST_CASE("expression in sto with a domain") {
  const Property p = cascade::material_function(
      load_text("cathode:\n  ocp:\n    expression: \"4.2 - 0.5*sto\"\n    domain: [0.1, 1]\n"),
      "cathode.ocp");
  CHECK(at(p, 0.5, 298.15) == doctest::Approx(3.95).epsilon(1e-8));
  CHECK(at(p, 0.9, 298.15) == doctest::Approx(3.75).epsilon(1e-8));
}

TEST_CASE("source is accepted and ignored") {
  CHECK(at(conductivity("    value: 2 S/m\n    source: \"a paper\"\n"), 1000, 298.15) ==
        doctest::Approx(2.0));
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
                       doctest::Contains("either activation_energy (Arrhenius) or vtf, not both"),
                       InputError);
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
