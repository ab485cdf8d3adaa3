package org.sparkmec.engine.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.sparkmec.engine.tensor.MemoryTracker;
import org.sparkmec.engine.tensor.Tensor;

/**
 * A sequential network: layers applied in order to NHWC images, ending in logits MATRIX
 * {@code (n, classes)}. Owns its layers (close frees them). Not thread-safe.
 */
public final class Network implements AutoCloseable {
    private final List<Layer> layers;
    private final int[] imageDims;
    private final int classes;
    private final long[] peakBytes;
    private MemoryTracker tracker;

    /**
     * @param imageDims {@code (h, w, c)} of one input image
     * @throws IllegalArgumentException if a layer does not fit its input, names repeat, or the network
     *                                  does not end in a flat (n, classes) output
     */
    public Network(List<Layer> layers, int[] imageDims) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a network needs at least one layer");
        }
        if (imageDims.length != 3) {
            throw new IllegalArgumentException("image dims must be (h, w, c), got " + Arrays.toString(imageDims));
        }
        this.layers = List.copyOf(layers);
        this.imageDims = imageDims.clone();
        Set<String> names = new HashSet<>();
        int[] dims = {1, imageDims[0], imageDims[1], imageDims[2]};
        for (Layer layer : this.layers) {
            if (!names.add(layer.name())) {
                throw new IllegalArgumentException("layer name " + layer.name() + " is used twice");
            }
            dims = layer.outputDims(dims);
        }
        if (dims.length != 2) {
            throw new IllegalArgumentException("the network must end in a flat (n, classes) output, got "
                    + Arrays.toString(dims) + " after layer " + this.layers.get(this.layers.size() - 1).name());
        }
        this.classes = dims[1];
        this.peakBytes = new long[this.layers.size()];
    }

    /**
     * Measures, from now on, each layer's peak of the engine's live native bytes during its forward and
     * backward calls ({@link #peakBytes(int)}). Resets the tracker's peak around every layer call.
     */
    public void measurePeaks(MemoryTracker memoryTracker) {
        this.tracker = memoryTracker;
    }

    /** The highest live byte count the tracker saw while layer {@code i} ran (0 when not measured). */
    public long peakBytes(int i) {
        return peakBytes[i];
    }

    public List<Layer> layers() {
        return layers;
    }

    public int classes() {
        return classes;
    }

    /** {@code (h, w, c)} of one input image. */
    public int[] imageDims() {
        return imageDims.clone();
    }

    /** Runs every layer; returns the logits (owned by the last layer). */
    public Tensor forward(Tensor images, Mode mode) {
        int[] d = images.dims();
        if (d.length != 4 || d[1] != imageDims[0] || d[2] != imageDims[1] || d[3] != imageDims[2]) {
            throw new IllegalArgumentException("the network takes NHWC images (n, " + imageDims[0] + ", " + imageDims[1]
                    + ", " + imageDims[2] + "), got " + Arrays.toString(d));
        }
        Tensor x = images;
        for (int i = 0; i < layers.size(); i++) {
            startPeak();
            x = layers.get(i).forward(x, mode);
            endPeak(i);
        }
        return x;
    }

    /** Back-propagates dLoss/dLogits through every layer, overwriting the parameter gradients. */
    public void backward(Tensor gradLogits) {
        Tensor g = gradLogits;
        for (int i = layers.size() - 1; i >= 0; i--) {
            startPeak();
            g = layers.get(i).backward(g, i > 0);
            endPeak(i);
        }
    }

    private void startPeak() {
        if (tracker != null) {
            tracker.resetPeak();
        }
    }

    private void endPeak(int i) {
        if (tracker != null) {
            peakBytes[i] = Math.max(peakBytes[i], tracker.peakBytes());
        }
    }

    /** All parameters, layer by layer. */
    public List<Parameter> parameters() {
        List<Parameter> all = new ArrayList<>();
        for (Layer layer : layers) {
            all.addAll(layer.parameters());
        }
        return all;
    }

    @Override
    public void close() {
        for (Layer layer : layers) {
            layer.close();
        }
    }
}
