package org.sparkmec.engine.nn;

import java.util.Arrays;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.tensor.FloatStorage;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Softmax cross-entropy of logits MATRIX {@code (n, classes)} against integer labels, averaged over the
 * batch, computed per row in double precision with the max subtracted (no overflow) by the backend's
 * {@link org.sparkmec.engine.backend.NnKernels#softmaxCrossEntropy} kernel, on the device that holds
 * the logits: only the labels go in and 3 floats per row come back.
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
     * {@code (softmax - onehot) / n} into it. {@code logits} and {@code gradLogits} must be storage of
     * {@code backend}.
     *
     * @throws IllegalArgumentException on a shape mismatch or a label outside [0, classes)
     */
    public static Result compute(Backend backend, Tensor logits, int[] labels, Tensor gradLogits) {
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
        float[] y = new float[n];
        for (int r = 0; r < n; r++) {
            if (labels[r] < 0 || labels[r] >= k) {
                throw new IllegalArgumentException("label " + labels[r] + " of row " + r + " outside [0, " + k + ")");
            }
            y[r] = labels[r];
        }
        float[] rowStats = new float[3 * n];
        try (FloatStorage labelStorage = backend.allocateForOverwrite(n);
             FloatStorage stats = backend.allocateForOverwrite(3L * n)) {
            labelStorage.copyFrom(y, 0, 0, n);
            backend.nnKernels().softmaxCrossEntropy(logits.storage(), labelStorage, n, k,
                    gradLogits == null ? null : gradLogits.storage(), stats);
            stats.copyTo(0, rowStats, 0, rowStats.length);
        }
        double total = 0;
        int correct = 0;
        for (int r = 0; r < n; r++) {
            total += (double) rowStats[3 * r] + rowStats[3 * r + 1];
            correct += rowStats[3 * r + 2] != 0 ? 1 : 0;
        }
        return new Result(total / n, correct, n);
    }
}
