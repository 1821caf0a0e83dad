import type { MghProblem } from "./least-squares";
import * as p01 from "./mgh-01-12";
import * as p13 from "./mgh-13-19";
import * as p20 from "./mgh-20-27";
import * as p28 from "./mgh-28-35";

/**
 * The More-Garbow-Hillstrom set at the sizes with published minima: problems 1-19, Watson at n = 6 and 9, and the
 * variable-dimension problems 21-35 at n = 10 (extended Powell at n = 12; the linear problems with m = 20).
 */
export function mghProblems(): MghProblem[] {
  return [
    p01.rosenbrockMgh(),
    p01.freudensteinRoth(),
    p01.powellBadlyScaled(),
    p01.brownBadlyScaled(),
    p01.bealeMgh(),
    p01.jennrichSampson(),
    p01.helicalValley(),
    p01.bard(),
    p01.gaussian(),
    p01.meyer(),
    p01.gulf(),
    p01.boxThreeDimensional(),
    p13.powellSingular(),
    p13.wood(),
    p13.kowalikOsborne(),
    p13.brownDennis(),
    p13.osborne1(),
    p13.biggsExp6(),
    p13.osborne2(),
    p20.watson(6),
    p20.watson(9),
    p20.extendedRosenbrock(10),
    p20.extendedPowellSingular(12),
    p20.penaltyI(10),
    p20.penaltyII(10),
    p20.variablyDimensioned(10),
    p20.trigonometric(10),
    p20.brownAlmostLinear(10),
    p28.discreteBoundaryValue(10),
    p28.discreteIntegralEquation(10),
    p28.broydenTridiagonal(10),
    p28.broydenBanded(10),
    p28.linearFullRank(10, 20),
    p28.linearRankOne(10, 20),
    p28.linearRankOneZeroColumnsAndRows(10, 20),
    p28.chebyquad(10),
  ];
}
