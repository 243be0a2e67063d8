import { formatLambda } from '@lab/contracts';
import { epochOf, lambdaText, pct, points, signedPoints } from './report-format.ts';
import type { SweepFindings } from './sweep-answer.ts';

/**
 * The findings in words: a paragraph of what the figures show and the verdict in one sentence. Every
 * statement is chosen by the findings, none is fixed in advance.
 */
export function wordAnswer(findings: SweepFindings): { text: string; inShort: string } {
  const { smallest: f, largest: l, gap, best, oneStandardError: oneSe } = findings;
  const movement = `from ${signedPoints(f.gapAtEnd)} to ${signedPoints(l.gapAtEnd)}`;
  const sentences = [
    `With ${lambdaText(f.lambda)}, training accuracy ends ${points(f.gapAtEnd)} ${f.gapAtEnd >= 0 ? 'above' : 'below'} ` +
      `validation accuracy (${pct(f.finalTrainAccuracy)} vs ${pct(f.finalValAccuracy)}); validation accuracy peaked at epoch ` +
      `${epochOf(f.bestEpoch)} and the validation cross-entropy bottomed out at epoch ${epochOf(f.minValCrossEntropyEpoch)}` +
      `${f.runs > 1 ? ' (means over seeds)' : ''}.`,

    gap.trend === 'flat'
      ? `As λ grows to ${formatLambda(l.lambda)}, the gap (training − validation) hardly changes, ${movement}: within the noise.`
      : `As λ grows to ${formatLambda(l.lambda)}, the gap (training − validation) ${gap.trend} ` +
        `${gap.monotone ? 'at every step' : 'overall, though not at every step'}, ${movement}.`,

    best.lambda === f.lambda
      ? `Validation accuracy is highest at ${lambdaText(f.lambda)} (${pct(f.finalValAccuracy)}): no larger λ improves it.`
      : `Validation accuracy is highest at ${lambdaText(best.lambda)} (${pct(best.finalValAccuracy)}), ${points(best.gain)} above ` +
        `${lambdaText(f.lambda)}${best.gainStandsOut ? '' : ' — a difference within the noise'}.`,

    `At ${lambdaText(l.lambda)} the activation penalty makes up ${pct(l.penaltyShare)} of the training loss` +
      (findings.underfits
        ? `, and the network underfits: training accuracy ${pct(l.finalTrainAccuracy)}, validation accuracy ${pct(l.finalValAccuracy)} ` +
          `(${points(l.finalValAccuracy - best.finalValAccuracy)} below the best).`
        : '.'),

    oneSe === null
      ? 'With one run per λ there is no seed-to-seed spread to judge small differences by; a point or less is treated as noise.'
      : `By the one-standard-error rule, ${lambdaText(oneSe.lambda)} is the largest λ whose validation accuracy is within one standard error ` +
        `(${points(oneSe.standardError)}) of the best.`,
  ];

  const verdicts: Record<SweepFindings['verdict'], string> = {
    reduces_overfitting: `a larger λ reduces overfitting here: the gap narrows ${movement} while validation accuracy ${findings.largestFallsBelowBest ? 'falls somewhat' : 'holds'}.`,
    narrows_by_underfitting: `a larger λ narrows the gap (${movement}), but mostly by making the network fit less — training and validation accuracy both fall — rather than by generalising better.`,
    no_measurable_reduction: `over the λ values tried, the penalty does not measurably reduce overfitting${findings.underfits ? '; the largest λ only makes the network underfit' : ''}.`,
  };
  const bestNote = best.gainStandsOut ? ` The best validation accuracy comes at ${lambdaText(best.lambda)}.` : '';
  return { text: sentences.join(' '), inShort: verdicts[findings.verdict] + bestNote };
}
