import { describe, expect, it } from 'vitest';
import { lossAndGradient, packParameters, randomNet, scoreDerivative, score, trainAdam, unpackParameters, type ScoreTrainingSet } from '../../src/lab/two-layer.js';
import { Prng } from '../../src/util/random.js';

const rng = new Prng(11);
const x = Float64Array.from({ length: 30 }, () => rng.gaussian());
const sets: ScoreTrainingSet[] = [
  { kind: 'sm', x },
  { kind: 'dsm', x: x.map((v) => v + 0.3 * rng.gaussian()), y: x.map(() => rng.gaussian() / 0.3) },
];

describe('the two-layer score network', () => {
  for (const data of sets) {
    for (const activation of ['relu', 'abs'] as const) {
      for (const skip of [false, true]) {
        it(`has the ${data.kind} loss gradient of finite differences (${activation}${skip ? ', skip' : ''})`, () => {
          const net = randomNet(activation, 6, skip, [-2, 2], new Prng(4));
          net.bias = 0.3;
          if (skip) net.skip = -0.4;
          const beta = 0.07;
          const theta = packParameters(net);
          const { gradient } = lossAndGradient(net, data, beta);
          // Kinks make the SM loss jump where a unit's kink crosses a sample; steps of 1e-7 cross none here.
          const h = 1e-7;
          for (let k = 0; k < theta.length; k++) {
            const up = Float64Array.from(theta);
            up[k]! += h;
            const down = Float64Array.from(theta);
            down[k]! -= h;
            const fd = (lossAndGradient(unpackParameters(net, up), data, beta).loss - lossAndGradient(unpackParameters(net, down), data, beta).loss) / (2 * h);
            expect(Math.abs(fd - gradient[k]!), `parameter ${k}`).toBeLessThan(1e-6 * (1 + Math.abs(fd)));
          }
        });
      }
    }
  }

  it('has the score derivative of finite differences away from kinks', () => {
    const net = randomNet('relu', 5, true, [-1, 1], new Prng(2));
    for (const t of [-3, -0.37, 0.21, 2.5]) {
      const fd = (score(net, t + 1e-7) - score(net, t - 1e-7)) / 2e-7;
      expect(scoreDerivative(net, t)).toBeCloseTo(fd, 6);
    }
  });

  it('lowers the loss with Adam', () => {
    const start = randomNet('relu', 10, false, [-2, 2], new Prng(9));
    const { losses } = trainAdam(start, sets[1]!, 0.01, { steps: 300, learningRate: 0.01 });
    expect(losses[300]!).toBeLessThan(losses[0]!);
  });
});
