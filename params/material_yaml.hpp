#pragma once
// Material functions written in YAML, turned into models' Property objects.
//
// A function-valued key (e.g. electrolyte.conductivity, a function of c_e and T) accepts:
//   conductivity: 2.5 S/m                              # a constant
//   conductivity:                                      # a shape in the state variable ...
//     value: 3.32e-4 S/cm          | table: {c_e: [500 mol/m3, ...], values: [...]}
//                                  | table: {T: [20 degC, ...], values: [...]}   (a table in T)
//                                  | table: {T: [...], c_e: [...], values: [[...], ...]}
//                                    (a 2-D table: one row per T, one column per c_e)
//                                  | polynomial: [a0, a1, ...]   (SI, in powers of the variable)
//                                  | expression: "0.0911 + 1.9101*(c_e/1000) - ..."  (in the
//                                    variable and T, SI; optional unit: mS/cm for the result)
//     interpolation: pchip | spline | linear           # tables (default pchip, monotone-safe)
//                                                        in the state variable
//     activation_energy: 0.17 eV                      # ... times an optional temperature law:
//     reference_temperature: 20 degC                  #     Arrhenius,
//     vtf: {B: 600 K, T0: 170 K}                      #     or Vogel-Tammann-Fulcher
//     series_arrhenius: [{share: 0.92, activation_energy: 0.16 eV}, ...]  # or resistances in
//                                                       series, each Arrhenius (shares at T_ref)
//     domain: [0.27, 0.91]                            # where the function is valid in its state
//                                                       variable (expressions: also the
//                                                       tabulation range; tables: their range)
//     source: "where the numbers come from"
// Tables in T (1-D, and each column of a 2-D table) interpolate ln(value) against 1/T with pchip
// (thermally activated transport is nearly straight there), so their values must be > 0; outside
// their T range ln(value) continues linearly in 1/T, silently. At each temperature a 2-D table
// becomes a table in the state variable with `interpolation`; it takes no temperature law. Table
// entries are quantities with units (bare numbers are SI; T entries temperatures, e.g. -30 degC).
#include "models/functions.hpp"
#include "params/param_set.hpp"

namespace cascade {

// Validates a function-valued entry, adding every problem to `diags`.
void check_material_function(const Entry& entry, const KeySpec& spec, DiagnosticList& diags);

// The property at `path` of a loaded set (throws InputError on a bad value).
Property material_function(const ParamSet& params, const std::string& path);

// Where the function at `path` is valid in its state variable (SI): its `domain`, else the range
// of its table in that variable, else the variable's natural range (sto: [0, 1]).
std::pair<double, double> material_function_domain(const ParamSet& params, const std::string& path);

}  // namespace cascade
