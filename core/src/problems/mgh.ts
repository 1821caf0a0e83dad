import type { MghProblem } from "./least-squares";
import * as fixed from "./mgh-fixed";
import * as variable from "./mgh-variable";

/**
 * The More-Garbow-Hillstrom set at the sizes with published minima: problems 1-19, Watson at n = 6 and 9, and the
 * variable-dimension problems 21-35 at n = 10 (extended Powell at n = 12; the linear problems with m = 20).
 */
export function mghProblems(): MghProblem[] {
  return [
    fixed.rosenbrockMgh(),
    fixed.freudensteinRoth(),
    fixed.powellBadlyScaled(),
    fixed.brownBadlyScaled(),
    fixed.bealeMgh(),
    fixed.jennrichSampson(),
    fixed.helicalValley(),
    fixed.bard(),
    fixed.gaussian(),
    fixed.meyer(),
    fixed.gulf(),
    fixed.boxThreeDimensional(),
    fixed.powellSingular(),
    fixed.wood(),
    fixed.kowalikOsborne(),
    fixed.brownDennis(),
    fixed.osborne1(),
    fixed.biggsExp6(),
    fixed.osborne2(),
    variable.watson(6),
    variable.watson(9),
    variable.extendedRosenbrock(10),
    variable.extendedPowellSingular(12),
    variable.penaltyI(10),
    variable.penaltyII(10),
    variable.variablyDimensioned(10),
    variable.trigonometric(10),
    variable.brownAlmostLinear(10),
    variable.discreteBoundaryValue(10),
    variable.discreteIntegralEquation(10),
    variable.broydenTridiagonal(10),
    variable.broydenBanded(10),
    variable.linearFullRank(10, 20),
    variable.linearRankOne(10, 20),
    variable.linearRankOneZeroColumnsAndRows(10, 20),
    variable.chebyquad(10),
  ];
}
