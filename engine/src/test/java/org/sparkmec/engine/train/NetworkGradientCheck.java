package org.sparkmec.engine.train;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.nn.Mode;
import org.sparkmec.engine.nn.Network;
import org.sparkmec.engine.nn.Parameter;
import org.sparkmec.engine.nn.SoftmaxCrossEntropy;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Checks a whole network's back-propagated parameter gradients against central differences of the softmax
 * cross-entropy: 12 sampled elements of every trainable parameter, eps 2e-3 (small enough that few ReLU kinks are
 * crossed), {@code |numeric - analytic| <= 5e-4 + 5e-2 |analytic|} (the loss is a double sum over float logits; the
 * gradients of the small networks checked are of order 1e-2).
 */
final class NetworkGradientCheck {
    private static final float EPS = 2e-3f;
    private static final int SAMPLES = 12;
    private static final double ATOL = 5e-4;
    private static final double RTOL = 5e-2;

    private NetworkGradientCheck() {
    }

    /** One forward and backward pass in training mode on {@code images} and {@code labels}, then the checks. */
    static void checkParameters(Backend backend, Network net, Tensor images, int[] labels) {
        Supplier<Double> loss = () -> SoftmaxCrossEntropy.compute(backend, net.forward(images, Mode.TRAIN), labels,
                null).loss();
        step(backend, net, images, labels);
        for (Parameter p : net.parameters()) {
            if (p.trainable()) {
                check(p, p.gradient().toArray(), loss);
            }
        }
    }

    /** One forward and backward pass in training mode: every parameter gradient is then dLoss/dParameter. */
    static void step(Backend backend, Network net, Tensor images, int[] labels) {
        try (Tensor grad = Tensor.zeros(backend, Layout.MATRIX, labels.length, net.classes())) {
            SoftmaxCrossEntropy.compute(backend, net.forward(images, Mode.TRAIN), labels, grad);
            net.backward(grad);
        }
    }

    private static void check(Parameter p, float[] analytic, Supplier<Double> loss) {
        SplittableRandom rnd = new SplittableRandom(p.name().hashCode());
        Tensor t = p.value();
        for (int s = 0; s < SAMPLES; s++) {
            int i = rnd.nextInt(analytic.length);
            float v = t.get(i);
            t.set(i, v + EPS);
            double plus = loss.get();
            t.set(i, v - EPS);
            double minus = loss.get();
            t.set(i, v);
            double numeric = (plus - minus) / (2 * EPS);
            if (Math.abs(numeric - analytic[i]) > ATOL + RTOL * Math.abs(analytic[i])) {
                fail(p.name() + " element " + i + ": numeric " + numeric + " vs analytic " + analytic[i]);
            }
        }
    }
}
