import { CLASS_NAMES, type Evaluation } from '@lab/contracts';
import { percent } from '../format.ts';

/** confusionMatrix[true][predicted], each cell shaded by its share of the true class's images. */
export function ConfusionMatrix({ evaluation }: { evaluation: Evaluation }) {
  return (
    <table class="confusion" data-total={evaluation.confusionMatrix.flat().reduce((sum, count) => sum + count, 0)}>
      <caption>Confusion matrix on the test set: rows are the true class, columns the predicted class</caption>
      <thead>
        <tr>
          <th scope="col">true \ predicted</th>
          {CLASS_NAMES.map((name) => (
            <th scope="col" key={name}>
              {name}
            </th>
          ))}
          <th scope="col">accuracy</th>
        </tr>
      </thead>
      <tbody>
        {evaluation.confusionMatrix.map((row, trueClass) => {
          const support = row.reduce((sum, count) => sum + count, 0);
          const classAccuracy = evaluation.perClassAccuracy.find((entry) => entry.classIndex === trueClass);
          return (
            <tr key={trueClass}>
              <th scope="row">{CLASS_NAMES[trueClass] ?? trueClass}</th>
              {row.map((count, predicted) => {
                const share = support === 0 ? 0 : count / support;
                return (
                  <td
                    key={predicted}
                    class={predicted === trueClass ? 'diagonal' : undefined}
                    style={{ backgroundColor: `rgba(31, 119, 180, ${share.toFixed(3)})`, color: share > 0.5 ? 'white' : undefined }}
                  >
                    {count}
                  </td>
                );
              })}
              <td>{classAccuracy === undefined ? '' : percent(classAccuracy.accuracy)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
