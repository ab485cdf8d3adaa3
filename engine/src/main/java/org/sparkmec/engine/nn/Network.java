package org.sparkmec.engine.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.tensor.MemoryTracker;
import org.sparkmec.engine.tensor.Tensor;

/**
 * A network of layers over NHWC images, ending in logits MATRIX {@code (n, classes)}: a directed acyclic graph
 * whose layers are listed in an order where every layer comes after its inputs. Layer {@code i} reads the
 * outputs of the layers {@code inputs(i)} (indices below {@code i}, or {@link #IMAGES} for the network's
 * input); the last layer's output is the logits, and every other layer's output is read by at least one layer.
 * A sequential network reads the previous layer everywhere.
 *
 * <p>The backward pass runs the layers in reverse order; where a layer's output is read by several layers their
 * input gradients are summed into a buffer of the network's (in the order of the readers' indices, descending).
 * Owns its layers (close frees them). Not thread-safe.
 */
public final class Network implements AutoCloseable {
    /** The input index that stands for the network's input images. */
    public static final int IMAGES = -1;

    private final List<Layer> layers;
    private final int[][] inputs;
    private final int[] readers;
    private final LayerBuffers[] gradientSums;
    private final Backend backend;
    private final int[] imageDims;
    private final int classes;
    private final long[] peakBytes;
    private MemoryTracker tracker;
    private Backend timingBackend;
    private final double[] forwardMillis;
    private final double[] backwardMillis;

    /**
     * A sequential network: each layer reads the previous one.
     *
     * @param imageDims {@code (h, w, c)} of one input image
     * @throws IllegalArgumentException if a layer does not fit its input, names repeat, or the network
     *                                  does not end in a flat (n, classes) output
     */
    public Network(List<Layer> layers, int[] imageDims) {
        this(null, layers, sequential(layers.size()), imageDims);
    }

    /**
     * A network whose layer {@code i} reads the layers {@code inputs.get(i)}.
     *
     * @param backend   sums the gradients of layers read by several others; may be null for a network where
     *                  every layer is read once
     * @param imageDims {@code (h, w, c)} of one input image
     * @throws IllegalArgumentException if an input index is not {@link #IMAGES} or below its layer's, a layer other
     *                                  than the last is read by none, a layer does not fit its inputs, names repeat,
     *                                  or the network does not end in a flat (n, classes) output
     */
    public Network(Backend backend, List<Layer> layers, List<int[]> inputs, int[] imageDims) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a network needs at least one layer");
        }
        if (imageDims.length != 3) {
            throw new IllegalArgumentException("image dims must be (h, w, c), got " + Arrays.toString(imageDims));
        }
        if (inputs.size() != layers.size()) {
            throw new IllegalArgumentException("a network of " + layers.size() + " layers needs " + layers.size()
                    + " input lists, got " + inputs.size());
        }
        this.layers = List.copyOf(layers);
        this.imageDims = imageDims.clone();
        this.backend = backend;
        int n = this.layers.size();
        this.inputs = new int[n][];
        this.readers = new int[n];
        Set<String> names = new HashSet<>();
        List<int[]> dims = new ArrayList<>();
        int[] image = {1, imageDims[0], imageDims[1], imageDims[2]};
        for (int i = 0; i < n; i++) {
            Layer layer = this.layers.get(i);
            if (!names.add(layer.name())) {
                throw new IllegalArgumentException("layer name " + layer.name() + " is used twice");
            }
            this.inputs[i] = inputs.get(i).clone();
            if (this.inputs[i].length == 0) {
                throw new IllegalArgumentException("layer " + layer.name() + " has no inputs");
            }
            List<int[]> in = new ArrayList<>();
            for (int k : this.inputs[i]) {
                if (k != IMAGES && (k < 0 || k >= i)) {
                    throw new IllegalArgumentException("layer " + layer.name() + " (#" + i + ") reads layer #" + k
                            + "; a layer reads the images (" + IMAGES + ") or layers listed before it");
                }
                if (k != IMAGES) {
                    readers[k]++;
                }
                in.add(k == IMAGES ? image : dims.get(k));
            }
            dims.add(layer.outputDims(in));
        }
        for (int i = 0; i < n - 1; i++) {
            if (readers[i] == 0) {
                throw new IllegalArgumentException("the output of layer " + this.layers.get(i).name()
                        + " is read by no layer; only the last layer's output (the logits) may be unread");
            }
        }
        int[] last = dims.get(n - 1);
        if (last.length != 2) {
            throw new IllegalArgumentException("the network must end in a flat (n, classes) output, got "
                    + Arrays.toString(last) + " after layer " + this.layers.get(n - 1).name());
        }
        this.gradientSums = new LayerBuffers[n];
        for (int i = 0; i < n; i++) {
            if (readers[i] > 1) {
                if (backend == null) {
                    throw new IllegalArgumentException("layer " + this.layers.get(i).name() + " is read by " + readers[i]
                            + " layers; a network with such layers needs a backend to sum their gradients");
                }
                gradientSums[i] = new LayerBuffers(backend);
            }
        }
        this.classes = last[1];
        this.peakBytes = new long[n];
        this.forwardMillis = new double[n];
        this.backwardMillis = new double[n];
    }

    private static List<int[]> sequential(int layers) {
        List<int[]> inputs = new ArrayList<>(layers);
        for (int i = 0; i < layers; i++) {
            inputs.add(new int[] {i - 1});
        }
        return inputs;
    }

    /**
     * Measures, from now on, each layer's peak of the engine's live native bytes during its forward and
     * backward calls ({@link #peakBytes(int)}). Resets the tracker's peak around every layer call.
     */
    public void measurePeaks(MemoryTracker memoryTracker) {
        this.tracker = memoryTracker;
    }

    /**
     * Times, from now on, each layer's forward and backward call on its own ({@link #forwardMillis(int)},
     * {@link #backwardMillis(int)}), synchronizing {@code backend} before and after each call: for profiling
     * (an asynchronous backend then loses the overlap between layers), not for throughput. {@code null} stops.
     */
    public void timeLayers(Backend backend) {
        this.timingBackend = backend;
    }

    /** Milliseconds of layer {@code i}'s last forward call while {@link #timeLayers} was on (0 before). */
    public double forwardMillis(int i) {
        return forwardMillis[i];
    }

    /** Milliseconds of layer {@code i}'s last backward call while {@link #timeLayers} was on (0 before). */
    public double backwardMillis(int i) {
        return backwardMillis[i];
    }

    /** The highest live byte count the tracker saw while layer {@code i} ran (0 when not measured). */
    public long peakBytes(int i) {
        return peakBytes[i];
    }

    /** The layers, every one after its inputs. */
    public List<Layer> layers() {
        return layers;
    }

    /** The indices of the layers that layer {@code i} reads, in input order ({@link #IMAGES}: the images). */
    public int[] inputs(int i) {
        return inputs[i].clone();
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
        Tensor[] outputs = new Tensor[layers.size()];
        for (int i = 0; i < layers.size(); i++) {
            startPeak();
            long t0 = startTiming();
            int[] in = inputs[i];
            if (in.length == 1) {
                outputs[i] = layers.get(i).forward(in[0] == IMAGES ? images : outputs[in[0]], mode);
            } else {
                List<Tensor> tensors = new ArrayList<>(in.length);
                for (int k : in) {
                    tensors.add(k == IMAGES ? images : outputs[k]);
                }
                outputs[i] = layers.get(i).forward(tensors, mode);
            }
            endTiming(forwardMillis, i, t0);
            endPeak(i);
        }
        return outputs[layers.size() - 1];
    }

    /** Back-propagates dLoss/dLogits through every layer, overwriting the parameter gradients. */
    public void backward(Tensor gradLogits) {
        int n = layers.size();
        Tensor[] gradients = new Tensor[n];
        gradients[n - 1] = gradLogits;
        for (int i = n - 1; i >= 0; i--) {
            startPeak();
            long t0 = startTiming();
            int[] in = inputs[i];
            if (in.length == 1) {
                accumulate(gradients, in[0], layers.get(i).backward(gradients[i], in[0] != IMAGES));
            } else {
                boolean[] need = new boolean[in.length];
                for (int j = 0; j < in.length; j++) {
                    need[j] = in[j] != IMAGES;
                }
                Tensor[] grads = layers.get(i).backward(gradients[i], need);
                for (int j = 0; j < in.length; j++) {
                    accumulate(gradients, in[j], grads[j]);
                }
            }
            gradients[i] = null;
            endTiming(backwardMillis, i, t0);
            endPeak(i);
        }
    }

    /** Adds {@code gradient}, a reader's dLoss/dInput, to what layer {@code k}'s output has received so far. */
    private void accumulate(Tensor[] gradients, int k, Tensor gradient) {
        if (k == IMAGES || gradient == null) {
            return;
        }
        if (readers[k] == 1) {
            gradients[k] = gradient;
        } else if (gradients[k] == null) {
            Tensor sum = gradientSums[k].get(gradient.layout(), gradient.dims());
            backend.kernels().copy(gradient.storage(), 0, sum.storage(), 0, gradient.numElements());
            gradients[k] = sum;
        } else {
            backend.nnKernels().add(gradients[k].storage(), gradient.storage(), gradients[k].storage(),
                    gradient.numElements());
        }
    }

    private long startTiming() {
        if (timingBackend == null) {
            return 0;
        }
        timingBackend.synchronize();
        return System.nanoTime();
    }

    private void endTiming(double[] millis, int i, long t0) {
        if (timingBackend != null) {
            timingBackend.synchronize();
            millis[i] = (System.nanoTime() - t0) / 1e6;
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

    /** All parameters and state, layer by layer. */
    public List<Parameter> parameters() {
        List<Parameter> all = new ArrayList<>();
        for (Layer layer : layers) {
            all.addAll(layer.parameters());
        }
        return all;
    }

    /** The bytes of the network's own buffers: the gradient sums of layers read by several others. */
    public long gradientSumBytes() {
        long bytes = 0;
        for (LayerBuffers b : gradientSums) {
            bytes += b == null ? 0 : b.bytes();
        }
        return bytes;
    }

    @Override
    public void close() {
        for (Layer layer : layers) {
            layer.close();
        }
        for (LayerBuffers b : gradientSums) {
            if (b != null) {
                b.close();
            }
        }
    }
}
