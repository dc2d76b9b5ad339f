// Mocha's spec reporter, plus the closing "N passed, N failed" line CI reads.
"use strict";
const Mocha = require("mocha");
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SpecWithTotals extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const { passes, failures, pending } = runner.stats;
      if (pending > 0) console.log(`${pending} skipped`);
      console.log(`${passes} passed, ${failures} failed`);
    });
  }
}
module.exports = SpecWithTotals;
