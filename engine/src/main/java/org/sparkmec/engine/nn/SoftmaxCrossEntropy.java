package org.sparkmec.engine.nn;

import java.util.Arrays;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Softmax cross-entropy of logits MATRIX {@code (n, classes)} against integer labels, averaged over the
 * batch, computed in double precision with the max subtracted (no overflow).
 */
public final class SoftmaxCrossEntropy {
    private SoftmaxCrossEntropy() {
    }

    /**
     * @param loss    mean loss over the batch
     * @param correct how many rows have their label as the arg-max
     */
    public record Result(double loss, int correct, int count) {
    }

    /**
     * Computes the loss and, when {@code gradLogits} is not null, writes dLoss/dLogits =
     * {@code (softmax - onehot) / n} into it.
     *
     * @throws IllegalArgumentException on a shape mismatch or a label outside [0, classes)
     */
    public static Result compute(Tensor logits, int[] labels, Tensor gradLogits) {
        if (logits.layout() != Layout.MATRIX) {
            throw new IllegalArgumentException("softmax cross-entropy needs MATRIX logits (n, classes), got " + logits);
        }
        int n = logits.dim(0);
        int k = logits.dim(1);
        if (labels.length != n) {
            throw new IllegalArgumentException("got " + labels.length + " labels for " + n + " rows of logits");
        }
        if (gradLogits != null && !Arrays.equals(gradLogits.dims(), logits.dims())) {
            throw new IllegalArgumentException("gradLogits " + gradLogits + " must match logits " + logits);
        }
        float[] z = logits.toArray();
        float[] grad = gradLogits == null ? null : new float[z.length];
        double total = 0;
        int correct = 0;
        for (int r = 0; r < n; r++) {
            int y = labels[r];
            if (y < 0 || y >= k) {
                throw new IllegalArgumentException("label " + y + " of row " + r + " outside [0, " + k + ")");
            }
            int base = r * k;
            double max = Double.NEGATIVE_INFINITY;
            int argmax = 0;
            for (int c = 0; c < k; c++) {
                if (z[base + c] > max) {
                    max = z[base + c];
                    argmax = c;
                }
            }
            double sum = 0;
            for (int c = 0; c < k; c++) {
                sum += Math.exp(z[base + c] - max);
            }
            total += Math.log(sum) - (z[base + y] - max);
            correct += argmax == y ? 1 : 0;
            if (grad != null) {
                for (int c = 0; c < k; c++) {
                    double p = Math.exp(z[base + c] - max) / sum;
                    grad[base + c] = (float) ((p - (c == y ? 1 : 0)) / n);
                }
            }
        }
        if (gradLogits != null) {
            gradLogits.copyFrom(grad);
        }
        return new Result(total / n, correct, n);
    }
}
