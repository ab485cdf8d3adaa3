package org.sparkmec.engine.train;

import java.util.HashMap;
import java.util.Map;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.data.Augmentation;
import org.sparkmec.engine.data.LabeledImages;
import org.sparkmec.engine.nn.Network;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Input and logit-gradient tensors per batch size (usually two: the full batch and an epoch's last,
 * smaller one), reused from batch to batch. Closing frees them. Not thread-safe (one per network).
 */
public final class BatchTensors implements AutoCloseable {
    private final Backend backend;
    private final Network network;
    private final Map<Integer, Batch> bySize = new HashMap<>();
    /** Per batch size, the batch's pixels gathered on the heap, so that they go to the backend in one copy. */
    private final Map<Integer, float[]> staging = new HashMap<>();

    /** Images NHWC, labels, and dLoss/dLogits MATRIX (n, classes) for one batch. */
    public record Batch(Tensor images, int[] labels, Tensor gradLogits) {
    }

    public BatchTensors(Backend backend, Network network) {
        this.backend = backend;
        this.network = network;
    }

    /** The backend whose memory holds the batches (and computes the loss). */
    public Backend backend() {
        return backend;
    }

    /**
     * Copies the examples {@code idx} of {@code set} into the batch tensors of that size: gathered on the
     * heap, then one host-to-backend copy (a GPU copy per image would cost a synchronous transfer each).
     */
    public Batch load(LabeledImages set, int[] idx) {
        Batch b = ofSize(idx.length);
        float[] pixels = staging.computeIfAbsent(idx.length, n -> new float[Math.toIntExact(b.images().numElements())]);
        set.copyBatch(idx, pixels, b.labels());
        b.images().storage().copyFrom(pixels, 0, 0, pixels.length);
        return b;
    }

    /**
     * Copies the examples {@code idx} of {@code set}, each augmented for epoch {@code epoch} as the training image
     * {@code globalIdx[b]} ({@link Augmentation#copyBatch}), into the batch tensors of that size.
     */
    public Batch loadAugmented(LabeledImages set, int[] idx, Augmentation augmentation, long seed, int epoch,
                               int[] globalIdx) {
        Batch b = ofSize(idx.length);
        augmentation.copyBatch(set, idx, globalIdx, seed, epoch, b.images(), b.labels());
        return b;
    }

    private Batch ofSize(int size) {
        int[] image = network.imageDims();
        return bySize.computeIfAbsent(size, n -> new Batch(
                Tensor.zeros(backend, Layout.NHWC, n, image[0], image[1], image[2]), new int[n],
                Tensor.zeros(backend, Layout.MATRIX, n, network.classes())));
    }

    @Override
    public void close() {
        for (Batch b : bySize.values()) {
            b.images().close();
            b.gradLogits().close();
        }
        bySize.clear();
        staging.clear();
    }
}
