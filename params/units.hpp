#pragma once
// Physical units at the input edge: parameter files write "74 um" or "3.32e-4 S/cm", the code
// works in SI only (STYLE.md convention 1). This layer turns text into SI numbers with a checked
// dimension, and SI numbers back into text for messages.
//
// Unit expressions: factors separated by spaces, '*' or '·'; at most one '/' and everything
// after it is in the denominator ("mAh/g", "J/(mol K)"); each factor is a symbol with an optional
// exponent written "m2", "s-1", "cm^2", "m^2.5" or "mol^-0.5". "1/s" is allowed.
//
// Symbols: m g s A K mol, V S ohm (Ω) W J C F N Pa Hz, L (also l, litre), M (mol/L), Ah, Wh,
// eV, min, h, day, % and ppm, with the SI prefixes p n u (µ) m c d k M G where they make sense
// (um, cm, mg, kg, mA, mV, mS, kohm, mW, kJ, mAh, uF, mL, mM, mmol, kPa, MPa, GPa, mHz, ...).
// - C is always coulomb, never Celsius. Celsius is written degC (or °C) and, being an offset
//   unit, only as the whole unit of a temperature value: "25 degC" is 298.15 K, while "J/degC"
//   is rejected (write "J/K").
// - eV is read as an activation energy per particle and converted to a molar energy:
//   1 eV = e * N_A J/mol = 96485.33212 J/mol (the Faraday constant), dimension J/mol. This is
//   what Arrhenius terms exp(-Ea/RT) in the models expect.
// - Ah = 3600 C and Wh = 3600 J, so 1 mAh/g = 3600 C/kg.
#include <array>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cascade {

// Dimension as twice the exponents (so half-integer powers like mol^-0.5 are exact) of the SI
// base units m, kg, s, A, K, mol.
struct Dimension {
  std::array<int, 6> twice{};  // order: m, kg, s, A, K, mol
  bool operator==(const Dimension&) const = default;
  Dimension operator*(const Dimension& o) const;
  Dimension operator/(const Dimension& o) const;
  // p must be a multiple of 0.5 and every resulting exponent a multiple of 0.5, else UnitError.
  Dimension pow(double p) const;
  bool dimensionless() const;
  // SI form, e.g. "m^2 s^-1", "kg m^-3", "mol^-0.5 m^2.5 s^-1", "1" when dimensionless. It parses
  // back with parse_unit.
  std::string to_string() const;
};

namespace dim {
extern const Dimension none, length, mass, time, current, temperature, amount, area, volume,
    concentration /*mol/m3*/, voltage, conductivity /*S/m*/, diffusivity /*m2/s*/,
    current_density /*A/m2*/, charge, specific_capacity /*C/kg*/, areal_capacity /*C/m2*/,
    areal_mass /*kg/m2*/, density /*kg/m3*/, molar_energy /*J/mol*/, resistance /*ohm*/,
    area_resistance /*ohm m2*/, capacitance_per_area /*F/m2*/, molar_volume /*m3/mol*/,
    power_density /*W/m2*/, power, energy, frequency, molar_mass /*kg/mol*/;
// Dimensions of the other derived symbols the parser knows.
extern const Dimension pressure /*Pa*/, force /*N*/, conductance /*S*/, capacitance /*F*/;
}  // namespace dim

struct UnitError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Quantity {
  double si;
  Dimension dim;
};

// Parses "<number> [unit expression]"; a bare number is dimensionless. The number may carry a
// sign, a leading '.', an exponent, and the unit may follow without a space ("74um", "5%").
// Throws UnitError naming the text and what is wrong with it.
Quantity parse_quantity(std::string_view text);

// Parses a unit expression alone ("S/cm", "mol^-0.5 m^2.5 s^-1") into {scale to SI, dimension}.
// Offset units (degC) are refused here: they only make sense with a value (parse_quantity/to_si).
Quantity parse_unit(std::string_view unit);

// Converts text to SI, checking the dimension. A bare number is taken as already SI in the
// expected dimension. On a wrong or unknown unit the UnitError names the value, the expected
// dimension and the accepted units, e.g.
//   "'74 uV' has unit uV (a voltage), expected a length; accepted: m, cm, mm, um, nm"
double to_si(std::string_view text, const Dimension& expected);

// The common named units of a dimension, for messages and docs, e.g. length -> {"m", "cm", "mm",
// "um", "nm"}; the SI form alone for a dimension without a name. Every entry is accepted by
// to_si for that dimension.
std::vector<std::string> units_for(const Dimension& d);

// A human name of a dimension ("length", "conductivity", ...), else its SI form.
std::string dimension_name(const Dimension& d);

// An SI value with its SI unit, e.g. format_si(7.4e-5, dim::length) == "7.4e-05 m"; a
// dimensionless value is the number alone. to_si(format_si(x, d), d) gives x back for values with
// at most 6 significant digits.
// A dimension with its article for messages: "a length", "an area", "a value in mol^-0.5 m^2.5
// s^-1" for an unnamed one, and `dimensionless` (default "a number") for a pure number.
std::string a_dimension(const Dimension& d, std::string_view dimensionless = "a number");
// The SI unit as people write it for a dimension ("S/m", "J/mol"), else its base-unit form.
std::string si_unit(const Dimension& d);
std::string format_si(double si, const Dimension& d);

}  // namespace cascade
