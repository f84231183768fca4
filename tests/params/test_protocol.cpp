// Protocol sentences: every accepted form, and errors that quote the step and list the forms.
#include <doctest/doctest.h>

#include <string>

#include "params/protocol.hpp"

using cascade::Amount;
using cascade::InputError;
using cascade::Source;
using cascade::Step;

namespace {

const Source here{"case.yaml", 7, 5};

Step parse(const std::string& text) {
  return cascade::parse_step(text, here);
}

void check_amount(const Amount& a, Amount::Kind kind, double value) {
  CHECK(a.kind == kind);
  CHECK(a.value == doctest::Approx(value).scale(0));
}

}  // namespace

TEST_CASE("C-rates: 1C, 0.5C, C/10") {
  const Step s = parse("Discharge at 1C until 2.5 V");
  CHECK(s.mode == Step::Mode::current);
  CHECK(s.direction == +1);
  check_amount(s.amount, Amount::Kind::c_rate, 1.0);
  REQUIRE(s.until_voltage);
  CHECK(s.until_voltage.value() == doctest::Approx(2.5).scale(0));
  CHECK_FALSE(s.duration);
  CHECK_FALSE(s.until_current);
  CHECK_FALSE(s.temperature);
  CHECK(s.text == "Discharge at 1C until 2.5 V");
  CHECK(s.src.file == "case.yaml");
  CHECK(s.src.line == 7);

  check_amount(parse("Discharge at 0.5C until 3 V").amount, Amount::Kind::c_rate, 0.5);
  const Step c = parse("Charge at C/10 until 4.3 V");
  CHECK(c.direction == -1);
  CHECK(c.mode == Step::Mode::current);
  check_amount(c.amount, Amount::Kind::c_rate, 0.1);
  CHECK(c.until_voltage.value() == doctest::Approx(4.3).scale(0));
  check_amount(parse("Charge at 2 C until 4.3 V").amount, Amount::Kind::c_rate, 2.0);
}

TEST_CASE("current densities and currents") {
  const Step s = parse("Charge at 0.2 mA/cm2 for 10 hours");
  CHECK(s.mode == Step::Mode::current);
  CHECK(s.direction == -1);
  check_amount(s.amount, Amount::Kind::density, 2.0);  // A/m2
  REQUIRE(s.duration);
  CHECK(s.duration.value() == doctest::Approx(36000).scale(0));
  CHECK_FALSE(s.until_voltage);

  check_amount(parse("Discharge at 20.27 A/m2 until 3.5 V").amount, Amount::Kind::density, 20.27);
  const Step a = parse("Discharge at 1 mA until 3 V");
  CHECK(a.mode == Step::Mode::current);
  check_amount(a.amount, Amount::Kind::absolute, 1e-3);
}

TEST_CASE("powers: per area and absolute") {
  const Step s = parse("Discharge at 5 mW/cm2 until 3 V");
  CHECK(s.mode == Step::Mode::power);
  CHECK(s.direction == +1);
  check_amount(s.amount, Amount::Kind::density, 50.0);  // W/m2
  CHECK(s.until_voltage.value() == doctest::Approx(3.0).scale(0));
  const Step w = parse("Charge at 2 W until 4.2 V");
  CHECK(w.mode == Step::Mode::power);
  CHECK(w.direction == -1);
  check_amount(w.amount, Amount::Kind::absolute, 2.0);
  check_amount(parse("Discharge at 10 mW for 1 h").amount, Amount::Kind::absolute, 0.01);
}

TEST_CASE("voltage holds end at a current") {
  const Step s = parse("Hold at 4.2 V until C/20");
  CHECK(s.mode == Step::Mode::voltage);
  CHECK(s.direction == 0);
  CHECK(s.voltage == doctest::Approx(4.2).scale(0));
  REQUIRE(s.until_current);
  check_amount(s.until_current.value(), Amount::Kind::c_rate, 0.05);
  CHECK_FALSE(s.until_voltage);
  const Step d = parse("Hold at 4200 mV until 0.05 mA/cm2");
  CHECK(d.voltage == doctest::Approx(4.2).scale(0));
  check_amount(d.until_current.value(), Amount::Kind::density, 0.5);
  const Step t = parse("Hold at 4.2 V for 2 hours");
  CHECK(t.duration.value() == doctest::Approx(7200).scale(0));
  CHECK_FALSE(t.until_current);
}

TEST_CASE("rests and durations in words") {
  const Step s = parse("Rest for 30 minutes");
  CHECK(s.mode == Step::Mode::rest);
  CHECK(s.direction == 0);
  CHECK(s.duration.value() == doctest::Approx(1800).scale(0));
  CHECK(*parse("Rest for 90 seconds").duration == doctest::Approx(90).scale(0));
  CHECK(*parse("Rest for 1 hour").duration == doctest::Approx(3600).scale(0));
  CHECK(*parse("Rest for 2 days").duration == doctest::Approx(172800).scale(0));
  CHECK(*parse("Rest for 5 min").duration == doctest::Approx(300).scale(0));
  CHECK(*parse("Rest for 10 s").duration == doctest::Approx(10).scale(0));
  CHECK(*parse("Discharge at 1C for 10 hours").duration == doctest::Approx(36000).scale(0));
}

TEST_CASE("'for ... or until ...' gives both limits") {
  const Step s = parse("Discharge at 1C for 10 hours or until 2.5 V");
  REQUIRE(s.duration);
  REQUIRE(s.until_voltage);
  CHECK(s.duration.value() == doctest::Approx(36000).scale(0));
  CHECK(s.until_voltage.value() == doctest::Approx(2.5).scale(0));
  const Step u = parse("Charge at C/2 until 4.2 V or for 3 hours");
  CHECK(u.duration.value() == doctest::Approx(10800).scale(0));
  CHECK(u.until_voltage.value() == doctest::Approx(4.2).scale(0));
  const Step h = parse("Hold at 4.2 V for 1 hour or until C/50");
  CHECK(h.duration.value() == doctest::Approx(3600).scale(0));
  check_amount(h.until_current.value(), Amount::Kind::c_rate, 0.02);
}

TEST_CASE("temperature suffix") {
  const Step s = parse("Discharge at 1C until 2.5 V at -10 degC");
  REQUIRE(s.temperature);
  CHECK(s.temperature.value() == doctest::Approx(263.15).scale(0));
  CHECK(s.until_voltage.value() == doctest::Approx(2.5).scale(0));
  check_amount(s.amount, Amount::Kind::c_rate, 1.0);
  CHECK(*parse("Rest for 30 minutes at 45 degC").temperature == doctest::Approx(318.15).scale(0));
  CHECK(*parse("Hold at 4.2 V until C/20 at 300 K").temperature == doctest::Approx(300).scale(0));
  const Step b = parse("Discharge at 1C for 1 hour or until 3 V at 25 degC");
  CHECK(b.temperature.value() == doctest::Approx(298.15).scale(0));
  CHECK(b.until_voltage.value() == doctest::Approx(3.0).scale(0));
}

TEST_CASE("case and spaces are free") {
  const Step s = parse("  discharge AT 1c UNTIL 2.5 V  ");
  CHECK(s.mode == Step::Mode::current);
  CHECK(s.direction == +1);
  check_amount(s.amount, Amount::Kind::c_rate, 1.0);
  CHECK(s.until_voltage.value() == doctest::Approx(2.5).scale(0));
}

TEST_CASE("bad steps: the message quotes the step and lists the accepted forms") {
  const char* bad[] = {"Discharge at fast until 3 V", "Discharge at 1C", "Jump at 1C until 3 V",
                       "Discharge at 1C until 3 A"};
  for (const char* text : bad) {
    CAPTURE(text);
    const std::string quoted = std::string("cannot read step '") + text + "'";
    CHECK_THROWS_WITH_AS(parse(text), doctest::Contains(quoted.c_str()), InputError);
    CHECK_THROWS_WITH_AS(
        parse(text), doctest::Contains("accepted forms: 'Discharge at <rate> until"), InputError);
    CHECK_THROWS_WITH_AS(parse(text), doctest::Contains("case.yaml:7:5: error: [experiment]"),
                         InputError);
  }
  CHECK_THROWS_WITH_AS(parse("Discharge at fast until 3 V"),
                       doctest::Contains("'fast' is not a rate"), InputError);
  // It starts with "Discharge at": what is missing is the end.
  CHECK_THROWS_WITH_AS(parse("Discharge at 1C"), doctest::Contains("the step has no end"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse("Hold at 4.2 V"), doctest::Contains("the step has no end"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse("Jump at 1C until 3 V"),
                       doctest::Contains("does not start with Discharge at, Charge at, Hold at or "
                                         "Rest for"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse("Discharge at 1C until 3 A"),
                       doctest::Contains("'3 A' is a current; a current or power step ends at a voltage"),
                       InputError);
}

TEST_CASE("bad steps: amounts, limits and durations") {
  CHECK_THROWS_WITH_AS(parse("Discharge at 3 V until 3 V"),
                       doctest::Contains("'3 V' is a voltage, expected a C-rate"), InputError);
  CHECK_THROWS_WITH_AS(parse("Discharge at 3 until 3 V"),
                       doctest::Contains("'3' is a bare number, expected a C-rate"), InputError);
  CHECK_THROWS_WITH_AS(parse("Discharge at 3 J until 3 V"), doctest::Contains("'3 J' is an energy"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse("Discharge at 0C until 3 V"), doctest::Contains("must be positive"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse("Discharge at -1 mA/cm2 until 3 V"),
                       doctest::Contains("must be positive"), InputError);
  CHECK_THROWS_WITH_AS(parse("Rest for -5 minutes"),
                       doctest::Contains("a duration must be positive"), InputError);
  CHECK_THROWS_WITH_AS(parse("Rest for 5 furlongs"), doctest::Contains("furlongs"), InputError);
  CHECK_THROWS_WITH_AS(parse("Hold at 4.2 V until 5 mW/cm2"),
                       doctest::Contains("a hold ends at a current"), InputError);
  CHECK_THROWS_WITH_AS(parse("Rest for 30 minutes or until 3 V"),
                       doctest::Contains("a rest ends after a time"), InputError);
  CHECK_THROWS_WITH_AS(parse("Rest until 3 V"), doctest::Contains("a rest ends after a time"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse("Discharge at 1C when 3 V"), doctest::Contains("the step has no end"),
                       InputError);
}

TEST_CASE("bad C-rates are input errors, not crashes") {
  // "C/0" used to give an infinite rate; "eC" and ".C" let std::stod's exception escape.
  CHECK_THROWS_WITH_AS(parse("Discharge at C/0 until 3 V"), doctest::Contains("must be positive"),
                       InputError);
  CHECK_THROWS_AS(parse("Discharge at eC until 3 V"), InputError);
  CHECK_THROWS_AS(parse("Discharge at .C until 3 V"), InputError);
  CHECK_THROWS_AS(parse("Hold at 4.2 V until C/e"), InputError);
  CHECK_THROWS_AS(parse("Discharge at 1.2.3C until 3 V"), InputError);
}

TEST_CASE("parse_experiment: every step with its line, and all bad steps together") {
  const auto p = cascade::ParamSet::load_string(
      "experiment:\n  - \"Discharge at 1C until 2.5 V\"\n  - \"Rest for 30 minutes\"\n"
      "  - \"Charge at C/2 until 4.2 V\"\n",
      "case.yaml");
  const auto steps = cascade::parse_experiment(p);
  REQUIRE(steps.size() == 3);
  CHECK(steps[0].mode == Step::Mode::current);
  CHECK(steps[1].mode == Step::Mode::rest);
  CHECK(steps[2].direction == -1);
  CHECK(steps[0].src.line == 2);
  CHECK(steps[2].src.line == 4);
  CHECK(steps[2].src.file == "case.yaml");

  const auto bad = cascade::ParamSet::load_string(
      "experiment:\n  - \"Discharge at fast until 3 V\"\n  - \"Rest for 1 h\"\n"
      "  - \"Jump at 1C until 3 V\"\n  - {a: 1}\n",
      "case.yaml");
  try {
    cascade::parse_experiment(bad);
    FAIL_CHECK("no InputError thrown");
  } catch (const InputError& e) {
    // two bad sentences, and a map that is not a block: an unknown key, no repeat, no steps
    REQUIRE(e.diagnostics().size() == 5);
    CHECK(e.diagnostics()[0].where.line == 2);
    CHECK(e.diagnostics()[1].where.line == 4);
    CHECK(e.diagnostics()[2].message.find("unknown key 'a' in a repeat block") != std::string::npos);
    CHECK(e.diagnostics()[3].message.find("repeat: N") != std::string::npos);
    CHECK(e.diagnostics()[4].message.find("needs 'steps:'") != std::string::npos);
  }
}

TEST_CASE("parse_experiment: empty or absent") {
  const auto empty = cascade::ParamSet::load_string("experiment: []\n", "case.yaml");
  CHECK_THROWS_WITH_AS(cascade::parse_experiment(empty),
                       doctest::Contains("the experiment has no steps"), InputError);
  const auto none = cascade::ParamSet::load_string("", "case.yaml");
  CHECK_THROWS_WITH_AS(cascade::parse_experiment(none),
                       doctest::Contains("missing required key 'experiment'"), InputError);
  CHECK_THROWS_WITH_AS(
      cascade::ParamSet::load_string("experiment: \"Rest for 1 h\"\n", "case.yaml"),
      doctest::Contains("not a list"), InputError);
}

TEST_CASE("a current step may end at a capacity: areal, absolute or specific") {
  using cascade::Capacity;
  const auto s = cascade::parse_step("Charge at 0.2 mA/cm2 until 0.2 mAh/cm2", cascade::Source{"case.yaml", 3, 5});
  REQUIRE(s.until_capacity);
  CHECK(s.until_capacity->kind == Capacity::Kind::areal);
  CHECK(s.until_capacity->value == doctest::Approx(0.2 * 36000).scale(0));
  const auto a = cascade::parse_step("Discharge at 1 mA until 2 mAh", cascade::Source{"case.yaml", 3, 5});
  CHECK(a.until_capacity->kind == Capacity::Kind::absolute);
  CHECK(a.until_capacity->value == doctest::Approx(7.2).scale(0));
  const auto g = cascade::parse_step("Discharge at 1C until 80 mAh/g or for 2 hours", cascade::Source{"case.yaml", 3, 5});
  CHECK(g.until_capacity->kind == Capacity::Kind::specific);
  CHECK(g.until_capacity->value == doctest::Approx(80 * 3600).scale(0));
  CHECK(g.duration.value() == doctest::Approx(7200).scale(0));
  CHECK_THROWS_WITH_AS(cascade::parse_step("Discharge at 1C until 3 A", cascade::Source{"case.yaml", 3, 5}),
                       doctest::Contains("ends at a voltage"), cascade::InputError);
}

namespace {
std::vector<cascade::Step> experiment_of(const std::string& yaml) {
  return cascade::parse_experiment(cascade::ParamSet::load_string(yaml, "case.yaml"));
}
}  // namespace

TEST_CASE("repeat blocks unroll, and each repetition with a charge and a discharge is a cycle") {
  const auto s = experiment_of(R"(
experiment:
  - "Rest for 1 minute"
  - repeat: 2
    label: activation
    steps: ["Charge at 0.1C until 4.2 V", "Discharge at 0.1C until 3.5 V"]
  - repeat: 3
    steps: ["Charge at 1C until 4.2 V", "Hold at 4.2 V until C/20", "Discharge at 1C until 3.5 V", "Rest for 10 minutes"]
)");
  REQUIRE(s.size() == 1 + 2 * 2 + 3 * 4);
  CHECK(s[0].cycle == 0);
  CHECK(s[0].activation_cycle == 0);
  CHECK(s[1].activation_cycle == 1);
  CHECK(s[1].cycle == 0);
  CHECK(s[1].block == "activation");
  CHECK(s[4].activation_cycle == 2);
  CHECK(s[5].cycle == 1);
  CHECK(s[8].cycle == 1);  // the rest belongs to its cycle
  CHECK(s[9].cycle == 2);
  CHECK(s.back().cycle == 3);
  CHECK(s.back().activation_cycle == 0);
}

TEST_CASE("nested blocks: the innermost block with a charge and a discharge numbers the cycles") {
  const auto s = experiment_of(R"(
experiment:
  - repeat: 2
    label: rate test
    steps:
      - repeat: 2
        steps: ["Charge at 0.5C until 4.2 V", "Discharge at 0.1C until 3.5 V"]
      - repeat: 3
        steps: ["Charge at 0.5C until 4.2 V", "Discharge at 2C until 3.5 V"]
)");
  REQUIRE(s.size() == 2 * (2 + 3) * 2);
  std::vector<int> cycles;
  for (const auto& st : s) cycles.push_back(st.cycle);
  CHECK(cycles.front() == 1);
  CHECK(cycles.back() == 10);
  for (std::size_t k = 0; k < s.size(); k += 2) CHECK(s[k].cycle == s[k + 1].cycle);
  CHECK(s[0].block == "rate test");
}

TEST_CASE("bad repeat blocks are errors that say what a block is") {
  using cascade::InputError;
  CHECK_THROWS_WITH_AS(experiment_of("experiment: [{repeat: 0, steps: ['Rest for 1 minute']}]"),
                       doctest::Contains("repeat: N"), InputError);
  CHECK_THROWS_WITH_AS(experiment_of("experiment: [{repeat: 2}]"), doctest::Contains("needs 'steps:'"), InputError);
  CHECK_THROWS_WITH_AS(experiment_of("experiment: [{repaet: 2, steps: ['Rest for 1 minute']}]"),
                       doctest::Contains("did you mean 'repeat'"), InputError);
  CHECK_THROWS_WITH_AS(experiment_of("experiment: [{repeat: 2, steps: ['Jump at 1C until 3 V']}]"),
                       doctest::Contains("cannot read step 'Jump at 1C until 3 V'"), InputError);
}

TEST_CASE("stop_when reads a capacity fraction and a cycle count") {
  const auto p = cascade::ParamSet::load_string(
      "experiment: ['Rest for 1 minute']\nstop_when: {capacity_below: 80 %, cycles: 700}\n", "case.yaml");
  const auto s = cascade::parse_stop_when(p);
  CHECK(s.capacity_below == doctest::Approx(0.8).scale(0));
  CHECK(s.cycles == 700);
  CHECK_THROWS_AS(cascade::ParamSet::load_string("stop_when: {capacity_below: 120 %}\n", "case.yaml"),
                  cascade::InputError);
}

TEST_CASE("a charge above the electrolyte's oxidation limit is warned about, once per step") {
  const cascade::ParamSet p = cascade::ParamSet::load_string(
      "electrolyte: {oxidation_limit: 4.3 V}\n"
      "experiment:\n"
      "  - {repeat: 3, steps: ['Charge at 1C until 4.4 V', 'Hold at 4.4 V until C/20',\n"
      "                        'Discharge at 1C until 4.5 V']}\n"
      "  - 'Charge at 1C until 4.2 V'\n",
      "case.yaml");
  const auto w = cascade::protocol_warnings(p, cascade::case_protocol(p));
  REQUIRE(w.size() == 2);  // the charge and the hold; a discharge cut-off is not a charge
  CHECK(w[0].find("'Charge at 1C until 4.4 V' takes the cell to 4.4 V, above the electrolyte's "
                  "oxidation limit 4.3 V") != std::string::npos);
  CHECK(w[1].find("Hold at 4.4 V") != std::string::npos);
  // no limit declared: nothing to say
  const cascade::ParamSet q = cascade::ParamSet::load_string("experiment: ['Charge at 1C until 4.4 V']\n", "q.yaml");
  CHECK(cascade::protocol_warnings(q, cascade::case_protocol(q)).empty());
}

TEST_CASE("a rate test's cut-offs default to the cathode's voltage window") {
  const cascade::ParamSet p = cascade::ParamSet::load_string(
      "cathode: {lower_voltage: 2.5 V, upper_voltage: 4.2 V}\n"
      "rate_test: {rates: [1], cycles_per_rate: 1}\n",
      "case.yaml");
  const auto steps = cascade::rate_test_steps(p);
  REQUIRE(steps.size() == 2);
  CHECK(*steps[0].until_voltage == doctest::Approx(4.2));
  CHECK(*steps[1].until_voltage == doctest::Approx(2.5));
  // its own keys win
  const cascade::ParamSet q = cascade::ParamSet::load_string(
      "cathode: {lower_voltage: 2.5 V, upper_voltage: 4.2 V}\n"
      "rate_test: {rates: [1], cycles_per_rate: 1, upper_voltage: 4.0 V}\n",
      "case.yaml");
  CHECK(*cascade::rate_test_steps(q)[0].until_voltage == doctest::Approx(4.0));
  // neither: the missing key is named
  const cascade::ParamSet r = cascade::ParamSet::load_string("rate_test: {rates: [1]}\n", "case.yaml");
  CHECK_THROWS_WITH_AS(cascade::rate_test_steps(r), doctest::Contains("rate_test.upper_voltage"),
                       InputError);
}
