#pragma once
// Material functions written in YAML, turned into models' Property objects.
//
// A function-valued key (e.g. electrolyte.conductivity, a function of c_e and T) accepts:
//   conductivity: 2.5 S/m                              # a constant
//   conductivity:                                      # a shape in the state variable ...
//     value: 3.32e-4 S/cm          | table: {c_e: [500 mol/m3, ...], values: [...]}
//                                  | table: {T: [20 degC, ...], values: [...]}   (a table in T)
//                                  | polynomial: [a0, a1, ...]   (SI, in powers of the variable)
//                                  | expression: "0.0911 + 1.9101*(c_e/1000) - ..."  (in the
//                                    variable and T, SI; optional unit: mS/cm for the result)
//     interpolation: pchip | spline | linear           # tables (default pchip, monotone-safe)
//     activation_energy: 0.17 eV                      # ... times an optional temperature law:
//     reference_temperature: 20 degC                  #     Arrhenius,
//     vtf: {B: 600 K, T0: 170 K}                      #     or Vogel-Tammann-Fulcher
//     source: "where the numbers come from"
#include "models/functions.hpp"
#include "params/param_set.hpp"

namespace cascade {

// Validates a function-valued entry, adding every problem to `diags`.
void check_material_function(const Entry& entry, const KeySpec& spec, DiagnosticList& diags);

// The property at `path` of a loaded set (throws InputError on a bad value).
Property material_function(const ParamSet& params, const std::string& path);

}  // namespace cascade
