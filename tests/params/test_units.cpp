#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "params/units.hpp"

using cascade::Dimension;
using cascade::UnitError;
namespace dim = cascade::dim;

namespace doctest {
// Failing CHECK(a == b) on dimensions then prints "m^2 s^-1" instead of "{?}".
template <>
struct StringMaker<Dimension> {
  static String convert(const Dimension& d) { return d.to_string().c_str(); }
};
}  // namespace doctest

namespace {

struct Case {
  const char* text;
  double si;
  Dimension dim;
};

void check_cases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    const std::string text = c.text;
    CAPTURE(text);
    const cascade::Quantity q = cascade::parse_quantity(c.text);
    CHECK(q.si == doctest::Approx(c.si).epsilon(1e-12).scale(0));
    CHECK(q.dim == c.dim);
    CHECK(cascade::to_si(c.text, c.dim) == doctest::Approx(c.si).epsilon(1e-12).scale(0));
  }
}

const Dimension rate_constant = dim::amount.pow(-0.5) * dim::length.pow(2.5) / dim::time;

// Every public named dimension, for table-wide checks.
const std::vector<Dimension> named = {dim::none,
                                      dim::length,
                                      dim::mass,
                                      dim::time,
                                      dim::current,
                                      dim::temperature,
                                      dim::amount,
                                      dim::area,
                                      dim::volume,
                                      dim::concentration,
                                      dim::voltage,
                                      dim::conductivity,
                                      dim::diffusivity,
                                      dim::current_density,
                                      dim::charge,
                                      dim::specific_capacity,
                                      dim::areal_capacity,
                                      dim::areal_mass,
                                      dim::density,
                                      dim::molar_energy,
                                      dim::resistance,
                                      dim::area_resistance,
                                      dim::capacitance_per_area,
                                      dim::molar_volume,
                                      dim::power_density,
                                      dim::power,
                                      dim::energy,
                                      dim::frequency,
                                      dim::molar_mass,
                                      dim::pressure,
                                      dim::force,
                                      dim::conductance,
                                      dim::capacitance};

}  // namespace

TEST_CASE("the examples of the parameter files convert to SI") {
  check_cases({
      {"74 um", 74e-6, dim::length},
      {"3.32e-4 S/cm", 0.0332, dim::conductivity},
      {"1.5 mg/cm2", 0.015, dim::areal_mass},
      {"0.2 mA/cm2", 2.0, dim::current_density},
      {"170 mAh/g", 612000.0, dim::specific_capacity},
      {"0.17 eV", 0.17 * 96485.33212, dim::molar_energy},
      {"5.9e-18 m2/s", 5.9e-18, dim::diffusivity},
      {"1 mol/L", 1000.0, dim::concentration},
      {"10 ohm cm2", 1e-3, dim::area_resistance},
      {"3e-11 mol^-0.5 m^2.5 s^-1", 3e-11, rate_constant},
  });
  CHECK(cascade::parse_quantity("0.17 eV").si == doctest::Approx(16402.5).epsilon(1e-5).scale(0));
  CHECK(cascade::to_si("25 degC", dim::temperature) == doctest::Approx(298.15).scale(0));
}

TEST_CASE("base units, prefixes and derived units") {
  check_cases({
      {"1 m", 1, dim::length},
      {"2 cm", 0.02, dim::length},
      {"3 mm", 3e-3, dim::length},
      {"4 um", 4e-6, dim::length},
      {"5 nm", 5e-9, dim::length},
      {"6 km", 6e3, dim::length},
      {"7 pm", 7e-12, dim::length},
      {"1 dm3", 1e-3, dim::volume},
      {"1 g", 1e-3, dim::mass},
      {"1 kg", 1, dim::mass},
      {"1 mg", 1e-6, dim::mass},
      {"1 ug", 1e-9, dim::mass},
      {"1 s", 1, dim::time},
      {"1 ms", 1e-3, dim::time},
      {"1 us", 1e-6, dim::time},
      {"1 min", 60, dim::time},
      {"1 h", 3600, dim::time},
      {"1 day", 86400, dim::time},
      {"1 A", 1, dim::current},
      {"1 mA", 1e-3, dim::current},
      {"1 uA", 1e-6, dim::current},
      {"1 kA", 1e3, dim::current},
      {"300 K", 300, dim::temperature},
      {"1 mol", 1, dim::amount},
      {"1 mmol", 1e-3, dim::amount},
      {"1 umol", 1e-6, dim::amount},
      {"1 V", 1, dim::voltage},
      {"1 mV", 1e-3, dim::voltage},
      {"1 kV", 1e3, dim::voltage},
      {"1 S", 1, dim::conductance},
      {"1 mS", 1e-3, dim::conductance},
      {"1 ohm", 1, dim::resistance},
      {"1 kohm", 1e3, dim::resistance},
      {"1 mohm", 1e-3, dim::resistance},
      {"1 Mohm", 1e6, dim::resistance},
      {"1 W", 1, dim::power},
      {"1 mW", 1e-3, dim::power},
      {"1 kW", 1e3, dim::power},
      {"1 J", 1, dim::energy},
      {"1 kJ", 1e3, dim::energy},
      {"1 C", 1, dim::charge},
      {"1 mC", 1e-3, dim::charge},
      {"1 F", 1, dim::capacitance},
      {"1 uF", 1e-6, dim::capacitance},
      {"1 N", 1, dim::force},
      {"1 Pa", 1, dim::pressure},
      {"1 kPa", 1e3, dim::pressure},
      {"1 MPa", 1e6, dim::pressure},
      {"1 GPa", 1e9, dim::pressure},
      {"1 Hz", 1, dim::frequency},
      {"1 mHz", 1e-3, dim::frequency},
      {"1 kHz", 1e3, dim::frequency},
      {"1 L", 1e-3, dim::volume},
      {"1 mL", 1e-6, dim::volume},
      {"1 uL", 1e-9, dim::volume},
      {"1 ml", 1e-6, dim::volume},
      {"1 M", 1000, dim::concentration},
      {"1 mM", 1, dim::concentration},
      {"1 Ah", 3600, dim::charge},
      {"1 mAh", 3.6, dim::charge},
      {"1 Wh", 3600, dim::energy},
      {"1 mWh", 3.6, dim::energy},
      {"1 eV", 96485.33212, dim::molar_energy},
      {"1 meV", 96.48533212, dim::molar_energy},
  });
}

TEST_CASE("compound units") {
  check_cases({
      {"1 A/m2", 1, dim::current_density},
      {"1 A m-2", 1, dim::current_density},
      {"1 A m^-2", 1, dim::current_density},
      {"1 mol/m3", 1, dim::concentration},
      {"1 mol/dm3", 1000, dim::concentration},
      {"1 W/m2", 1, dim::power_density},
      {"1 mW/cm2", 10, dim::power_density},
      {"1 kJ/mol", 1000, dim::molar_energy},
      {"8.314 J/(mol K)", 8.314, dim::molar_energy / dim::temperature},
      {"1 mAh/cm2", 36000, dim::areal_capacity},
      {"1 Ah/kg", 3600, dim::specific_capacity},
      {"2 g/cm3", 2000, dim::density},
      {"10 uF/cm2", 0.1, dim::capacitance_per_area},
      {"1 F/m2", 1, dim::capacitance_per_area},
      {"13 cm3/mol", 13e-6, dim::molar_volume},
      {"6.94 g/mol", 6.94e-3, dim::molar_mass},
      {"1 cm2/s", 1e-4, dim::diffusivity},
      {"1 m^2/s", 1, dim::diffusivity},
      {"1 m2 s-1", 1, dim::diffusivity},
      {"1 m2*s^-1", 1, dim::diffusivity},
      {"1 m2\u00B7s-1", 1, dim::diffusivity},
      {"1 1/s", 1, dim::frequency},
      {"1 s^-1", 1, dim::frequency},
      {"1 mS/cm", 0.1, dim::conductivity},
      {"1 ohm m2", 1, dim::area_resistance},
      {"-0.2 mV/K", -2e-4, dim::voltage / dim::temperature},
      {"1 mol^-0.5 cm^2.5 s^-1", 1e-5, rate_constant},
  });
}

TEST_CASE("dimensionless values, temperatures and Unicode spellings") {
  check_cases({
      {"0.38", 0.38, dim::none},
      {"50 %", 0.5, dim::none},
      {"5%", 0.05, dim::none},
      {"20 ppm", 2e-5, dim::none},
      {"25 degC", 298.15, dim::temperature},
      {"-30 degC", 243.15, dim::temperature},
      {"0 \u00B0C", 273.15, dim::temperature},
      {"74 \u00B5m", 74e-6, dim::length},  // MICRO SIGN
      {"74 \u03BCm", 74e-6, dim::length},  // GREEK SMALL LETTER MU
      {"10 \u03A9 cm2", 1e-3, dim::area_resistance},
      {"2 k\u2126", 2e3, dim::resistance},  // OHM SIGN
  });
  // Without a unit the number is taken as already SI in whatever dimension is asked for.
  CHECK(cascade::to_si("7.4e-5", dim::length) == 7.4e-5);
  CHECK(cascade::to_si("298.15", dim::temperature) == 298.15);
}

TEST_CASE("number syntax") {
  CHECK(cascade::parse_quantity("1e-13").si == 1e-13);
  CHECK(cascade::parse_quantity("-30").si == -30);
  CHECK(cascade::parse_quantity("+5").si == 5);
  CHECK(cascade::parse_quantity(".5").si == 0.5);
  CHECK(cascade::parse_quantity("-.5 m").si == -0.5);
  CHECK(cascade::parse_quantity("  74 um  ").si == 74e-6);
  CHECK(cascade::parse_quantity("74um").si == 74e-6);
  CHECK(cascade::parse_quantity("1.5E+3 mm").si == doctest::Approx(1.5).scale(0));
  // The power of ten is applied exactly, so "74 um" is the same double as 74e-6.
  CHECK(cascade::parse_quantity("74 um").si == 74e-6);
  CHECK(cascade::parse_quantity("1.5 mg/cm2").dim == dim::areal_mass);
}

TEST_CASE("parse_unit gives the scale to SI and the dimension") {
  const cascade::Quantity s_cm = cascade::parse_unit("S/cm");
  CHECK(s_cm.si == doctest::Approx(100).scale(0));
  CHECK(s_cm.dim == dim::conductivity);
  const cascade::Quantity k = cascade::parse_unit("mol^-0.5 m^2.5 s^-1");
  CHECK(k.si == 1);
  CHECK(k.dim == rate_constant);
  CHECK(cascade::parse_unit("mAh/g").si == doctest::Approx(3600).scale(0));
  CHECK(cascade::parse_unit("J/(mol K)").dim == dim::molar_energy / dim::temperature);
  CHECK(cascade::parse_unit("1").dim == dim::none);
  CHECK(cascade::parse_unit("K").si == 1);
}

TEST_CASE("dimension arithmetic") {
  CHECK(dim::length * dim::length == dim::area);
  CHECK(dim::area * dim::length == dim::volume);
  CHECK(dim::amount / dim::volume == dim::concentration);
  CHECK(dim::charge == dim::current * dim::time);
  CHECK(dim::specific_capacity == dim::charge / dim::mass);
  CHECK(dim::areal_capacity == dim::charge / dim::area);
  CHECK(dim::resistance == dim::voltage / dim::current);
  CHECK(dim::conductivity == dim::length / (dim::resistance * dim::area));
  CHECK(dim::area_resistance == dim::resistance * dim::area);
  CHECK(dim::power == dim::voltage * dim::current);
  CHECK(dim::energy == dim::power * dim::time);
  CHECK(dim::frequency == dim::none / dim::time);
  CHECK(dim::capacitance == dim::charge / dim::voltage);
  CHECK(dim::capacitance_per_area == dim::capacitance / dim::area);
  CHECK(dim::molar_volume == dim::volume / dim::amount);
  CHECK(dim::area.pow(0.5) == dim::length);
  CHECK(dim::length.pow(-2) == dim::none / dim::area);
  CHECK(dim::concentration.pow(0) == dim::none);
  CHECK(dim::none.dimensionless());
  CHECK_FALSE(dim::length.dimensionless());
  CHECK((dim::length / dim::length).dimensionless());
  CHECK(dim::amount.pow(-0.5).twice == std::array<int, 6>{0, 0, 0, 0, 0, -1});
  CHECK_THROWS_WITH_AS(dim::length.pow(1.0 / 3.0), doctest::Contains("multiple of 0.5"), UnitError);
  // m^0.5 squared-rooted again would need a quarter power, which the representation cannot hold.
  CHECK_THROWS_AS(dim::length.pow(0.5).pow(0.5), UnitError);
}

TEST_CASE("SI text form of dimensions") {
  CHECK(dim::none.to_string() == "1");
  CHECK(dim::length.to_string() == "m");
  CHECK(dim::diffusivity.to_string() == "m^2 s^-1");
  CHECK(dim::density.to_string() == "kg m^-3");
  CHECK(dim::concentration.to_string() == "mol m^-3");
  CHECK(dim::current_density.to_string() == "A m^-2");
  CHECK(rate_constant.to_string() == "mol^-0.5 m^2.5 s^-1");
  CHECK(dim::voltage.to_string() == "kg A^-1 m^2 s^-3");
  CHECK(dim::temperature.to_string() == "K");
  // Every SI form reads back as the same dimension with scale 1.
  for (const Dimension& d : named) {
    CAPTURE(d);
    const cascade::Quantity q = cascade::parse_unit(d.to_string());
    CHECK(q.dim == d);
    CHECK(q.si == 1);
  }
}

TEST_CASE("names and accepted units of dimensions") {
  CHECK(cascade::dimension_name(dim::length) == "length");
  CHECK(cascade::dimension_name(dim::conductivity) == "conductivity");
  CHECK(cascade::dimension_name(dim::current_density) == "current density");
  CHECK(cascade::dimension_name(rate_constant) == "mol^-0.5 m^2.5 s^-1");
  CHECK(cascade::units_for(dim::length) == std::vector<std::string>{"m", "cm", "mm", "um", "nm"});
  CHECK(cascade::units_for(rate_constant) == std::vector<std::string>{"mol^-0.5 m^2.5 s^-1"});
  std::set<std::string> names;
  for (const Dimension& d : named) {
    CAPTURE(d);
    const std::string name = cascade::dimension_name(d);
    CHECK(name != d.to_string());      // every public constant has a human name
    CHECK(names.insert(name).second);  // and no two share one
    const auto units = cascade::units_for(d);
    CHECK_FALSE(units.empty());
    // Every unit offered in a message is one to_si accepts for that dimension.
    for (const std::string& u : units) {
      CAPTURE(u);
      CHECK_NOTHROW(cascade::to_si("1 " + u, d));
    }
  }
}

TEST_CASE("format_si and round trips") {
  CHECK(cascade::format_si(7.4e-5, dim::length) == "7.4e-05 m");
  CHECK(cascade::format_si(0.0332, dim::conductivity) == "0.0332 S/m");
  CHECK(cascade::format_si(0.5, dim::none) == "0.5");
  const std::vector<std::pair<double, Dimension>> values = {
      {7.4e-5, dim::length},
      {0.0332, dim::conductivity},
      {612000, dim::specific_capacity},
      {5.9e-18, dim::diffusivity},
      {298.15, dim::temperature},
      {1000, dim::concentration},
      {16402.5, dim::molar_energy},
      {3e-11, rate_constant},
      {-2e-4, dim::voltage / dim::temperature},
      {0.38, dim::none},
      {1.23456e-300, dim::area_resistance},
      {2, dim::current_density},
  };
  for (const auto& [x, d] : values) {
    const std::string text = cascade::format_si(x, d);
    CAPTURE(text);
    CHECK(cascade::to_si(text, d) == x);
  }
}

TEST_CASE("a wrong dimension names the value, the expected dimension and the accepted units") {
  CHECK_THROWS_WITH_AS(
      cascade::to_si("74 uV", dim::length),
      "'74 uV' has unit uV (a voltage), expected a length; accepted: m, cm, mm, um, nm", UnitError);
  CHECK_THROWS_WITH_AS(cascade::to_si("3.32e-4 S/m2", dim::conductivity),
                       doctest::Contains("accepted: S/m, S/cm, mS/cm"), UnitError);
  CHECK_THROWS_WITH_AS(cascade::to_si("1 mol/L", dim::areal_mass),
                       doctest::Contains("(a concentration), expected an areal mass"), UnitError);
  CHECK_THROWS_WITH_AS(cascade::to_si("3 m", dim::none),
                       doctest::Contains("expected a dimensionless number; accepted: a bare "
                                         "number, %, ppm"),
                       UnitError);
  CHECK_THROWS_WITH_AS(cascade::to_si("3e-11 m2/s", rate_constant),
                       doctest::Contains("expected dimension mol^-0.5 m^2.5 s^-1; accepted: "
                                         "mol^-0.5 m^2.5 s^-1"),
                       UnitError);
  // C is coulomb, never Celsius.
  CHECK_THROWS_WITH_AS(cascade::to_si("25 C", dim::temperature),
                       doctest::Contains("(a charge; C is coulomb, write degC for Celsius)"),
                       UnitError);
  CHECK_THROWS_WITH_AS(cascade::to_si("25 degC", dim::length),
                       doctest::Contains("has unit degC (a temperature), expected a length"),
                       UnitError);
}

TEST_CASE("unknown units are named, with a guess when one is close") {
  CHECK_THROWS_WITH_AS(cascade::parse_quantity("74 xyz"),
                       doctest::Contains("unknown unit symbol 'xyz'"), UnitError);
  CHECK_THROWS_WITH_AS(cascade::to_si("74 xyz", dim::length),
                       doctest::Contains("'74 xyz': unknown unit symbol 'xyz', expected a length; "
                                         "accepted: m, cm, mm, um, nm"),
                       UnitError);
  CHECK_THROWS_WITH_AS(cascade::parse_unit("mah/g"), doctest::Contains("did you mean 'mAh'?"),
                       UnitError);
  CHECK_THROWS_WITH_AS(cascade::parse_unit("Ohm cm2"), doctest::Contains("did you mean 'ohm'?"),
                       UnitError);
  CHECK_THROWS_WITH_AS(cascade::parse_unit("mols"), doctest::Contains("did you mean 'mol'?"),
                       UnitError);
  // M takes milli, m does not take mega, so "Mm" stays unknown rather than silently megametres.
  CHECK_THROWS_WITH_AS(cascade::parse_unit("Mm"), doctest::Contains("unknown unit symbol 'Mm'"),
                       UnitError);
  CHECK_THROWS_WITH_AS(cascade::parse_unit("kh"), doctest::Contains("unknown unit symbol 'kh'"),
                       UnitError);
}

TEST_CASE("malformed numbers and trailing junk are rejected") {
  CHECK_THROWS_WITH_AS(cascade::parse_quantity("abc um"),
                       doctest::Contains("'abc um': no number at the start"), UnitError);
  CHECK_THROWS_WITH_AS(cascade::to_si("abc um", dim::length),
                       doctest::Contains("no number at the start, expected a length"), UnitError);
  CHECK_THROWS_WITH_AS(cascade::parse_quantity("1.5.3 m"),
                       doctest::Contains("unexpected '.3 m' after the number 1.5"), UnitError);
  CHECK_THROWS_WITH_AS(cascade::parse_quantity("1,5 m"), doctest::Contains("unexpected ',5 m'"),
                       UnitError);
  CHECK_THROWS_WITH_AS(cascade::parse_quantity("74 um x"),
                       doctest::Contains("unknown unit symbol 'x'"), UnitError);
  CHECK_THROWS_WITH_AS(cascade::parse_quantity(""), doctest::Contains("empty value"), UnitError);
  CHECK_THROWS_WITH_AS(cascade::parse_quantity("   "), doctest::Contains("empty value"), UnitError);
  CHECK_THROWS_WITH_AS(cascade::parse_quantity("inf m"), doctest::Contains("not finite"),
                       UnitError);
  CHECK_THROWS_WITH_AS(cascade::parse_quantity("nan"), doctest::Contains("not finite"), UnitError);
  CHECK_THROWS_WITH_AS(cascade::parse_quantity("1e999 m"), doctest::Contains("out of range"),
                       UnitError);
  CHECK_THROWS_AS(cascade::parse_quantity("+-5"), UnitError);
  CHECK_THROWS_AS(cascade::parse_quantity("- 5"), UnitError);
}

TEST_CASE("malformed unit expressions are rejected") {
  CHECK_THROWS_WITH_AS(cascade::parse_unit("J/mol/K"), doctest::Contains("more than one '/'"),
                       UnitError);
  CHECK_THROWS_WITH_AS(cascade::parse_unit("/s"), doctest::Contains("no unit before '/'"),
                       UnitError);
  CHECK_THROWS_WITH_AS(cascade::parse_unit("mol/"), doctest::Contains("no unit after '/'"),
                       UnitError);
  CHECK_THROWS_WITH_AS(cascade::parse_unit("m^x"), doctest::Contains("bad factor 'm^x'"),
                       UnitError);
  CHECK_THROWS_WITH_AS(cascade::parse_unit("m2.5"), doctest::Contains("bad factor 'm2.5'"),
                       UnitError);
  CHECK_THROWS_WITH_AS(cascade::parse_unit("m^0.3"), doctest::Contains("not a multiple of 0.5"),
                       UnitError);
  CHECK_THROWS_WITH_AS(cascade::parse_unit("m**2"), doctest::Contains("'*' without a unit"),
                       UnitError);
  CHECK_THROWS_WITH_AS(cascade::parse_unit("m *"), doctest::Contains("'*' without a unit after"),
                       UnitError);
  CHECK_THROWS_WITH_AS(cascade::parse_unit("J/(mol (K))"), doctest::Contains("parentheses"),
                       UnitError);
  CHECK_THROWS_WITH_AS(cascade::parse_unit(""), doctest::Contains("empty unit"), UnitError);
}

TEST_CASE("degC is an offset unit, only as the whole unit of a temperature") {
  CHECK_THROWS_WITH_AS(cascade::parse_quantity("1 J/degC"), doctest::Contains("offset unit"),
                       UnitError);
  CHECK_THROWS_WITH_AS(cascade::to_si("2 mV/degC", dim::voltage / dim::temperature),
                       doctest::Contains("offset unit"), UnitError);
  CHECK_THROWS_WITH_AS(cascade::parse_quantity("1 degC^2"), doctest::Contains("offset unit"),
                       UnitError);
  CHECK_THROWS_WITH_AS(cascade::parse_unit("degC"), doctest::Contains("offset unit"), UnitError);
  CHECK_THROWS_WITH_AS(cascade::parse_unit("\u00B0C"), doctest::Contains("offset unit"), UnitError);
}
