package org.sparkmec.engine.train;

import org.sparkmec.engine.data.LabeledImages;
import org.sparkmec.engine.data.MiniBatches;
import org.sparkmec.engine.nn.Mode;
import org.sparkmec.engine.nn.Network;
import org.sparkmec.engine.nn.SoftmaxCrossEntropy;

/**
 * The compute of one training step and of an evaluation pass, shared by the in-process trainer and the
 * Spark workers so that both compute identically. Same thread affinity as the network.
 */
public final class TrainingSteps {
    private TrainingSteps() {
    }

    /** Summed loss and correct predictions over {@code count} images. */
    public record Totals(double lossSum, long correct, long count) {
        public Totals plus(Totals other) {
            return new Totals(lossSum + other.lossSum, correct + other.correct, count + other.count);
        }

        public double meanLoss() {
            return lossSum / count;
        }

        public double accuracy() {
            return (double) correct / count;
        }
    }

    /**
     * Forward (training mode), softmax cross-entropy and backward for the examples {@code idx} of
     * {@code data}: afterwards every parameter's gradient is dLoss/dParameter of the batch's mean loss.
     * The optimizer step is the caller's.
     */
    public static SoftmaxCrossEntropy.Result forwardBackward(Network network, BatchTensors batches, LabeledImages data,
                                                             int[] idx) {
        return forwardBackward(network, batches, batches.load(data, idx));
    }

    /** As {@link #forwardBackward(Network, BatchTensors, LabeledImages, int[])} on a batch already loaded. */
    public static SoftmaxCrossEntropy.Result forwardBackward(Network network, BatchTensors batches,
                                                             BatchTensors.Batch batch) {
        SoftmaxCrossEntropy.Result r = SoftmaxCrossEntropy.compute(batches.backend(), network.forward(batch.images(), Mode.TRAIN),
                batch.labels(), batch.gradLogits());
        network.backward(batch.gradLogits());
        return r;
    }

    /** Loss and accuracy totals of the network over all of {@code set}, in evaluation mode. */
    public static Totals evaluate(Network network, BatchTensors batches, LabeledImages set, int batchSize) {
        double lossSum = 0;
        long correct = 0;
        for (int[] idx : MiniBatches.sequential(set.size(), batchSize)) {
            BatchTensors.Batch batch = batches.load(set, idx);
            SoftmaxCrossEntropy.Result r = SoftmaxCrossEntropy.compute(batches.backend(), network.forward(batch.images(), Mode.EVAL),
                    batch.labels(), null);
            lossSum += r.loss() * r.count();
            correct += r.correct();
        }
        return new Totals(lossSum, correct, set.size());
    }
}
