package org.sparkmec.engine.optim;

import java.util.HashMap;
import java.util.Map;

/**
 * Straightforward double-precision implementations of the update equations documented on {@link Sgd} and
 * {@link Adam}: the oracle of the optimizer tests. Weights and state stay in double throughout; the
 * gradients are the float values given to the optimizer under test.
 */
final class Reference {
    private Reference() {
    }

    /** Updates {@code w} (one named parameter) in place. */
    interface Stepper {
        void step(String name, double[] w, float[] g, double lr);

        /** Called once after all parameters of a step. */
        default void endStep() {
        }
    }

    static Stepper sgd(double mu, boolean nesterov, double wd) {
        Map<String, double[]> velocity = new HashMap<>();
        return (name, w, g, lr) -> {
            double[] v = velocity.computeIfAbsent(name, k -> new double[w.length]);
            for (int i = 0; i < w.length; i++) {
                double gi = g[i] + wd * w[i];
                if (mu == 0) {
                    w[i] -= lr * gi;
                } else {
                    v[i] = mu * v[i] + gi;
                    w[i] -= lr * (nesterov ? gi + mu * v[i] : v[i]);
                }
            }
        };
    }

    static Stepper adam(double beta1, double beta2, double eps, double wd) {
        return new Stepper() {
            final Map<String, double[][]> moments = new HashMap<>();
            long t = 1;

            @Override
            public void step(String name, double[] w, float[] g, double lr) {
                double[][] mv = moments.computeIfAbsent(name, k -> new double[2][w.length]);
                for (int i = 0; i < w.length; i++) {
                    double gi = g[i] + wd * w[i];
                    mv[0][i] = beta1 * mv[0][i] + (1 - beta1) * gi;
                    mv[1][i] = beta2 * mv[1][i] + (1 - beta2) * gi * gi;
                    double mHat = mv[0][i] / (1 - Math.pow(beta1, t));
                    double vHat = mv[1][i] / (1 - Math.pow(beta2, t));
                    w[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
                }
            }

            @Override
            public void endStep() {
                t++;
            }
        };
    }
}
