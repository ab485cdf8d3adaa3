package org.sparkmec.engine.nn;

import java.util.List;
import org.sparkmec.engine.tensor.Tensor;

/**
 * One layer of a network, with forward and backward passes on a backend. Most layers take one input (the
 * single-input methods); a layer that merges several ({@link AddLayer}, {@link ConcatLayer}) overrides the list
 * forms, which by default accept exactly one input and call the single-input ones.
 *
 * <p>Contract: {@link #forward} returns a tensor the layer owns (valid until its next forward or
 * close) and keeps a reference to its input for the backward pass, so the caller must not close or
 * overwrite the input before {@link #backward}. {@link #backward} overwrites the gradients of
 * {@link #parameters()} and returns dLoss/dInput (owned by the layer), or null when not requested.
 * Activations are NHWC {@code (n, h, w, c)} or MATRIX {@code (n, features)}; the batch size may change
 * between calls (buffers are reallocated). Not thread-safe.
 */
public interface Layer extends AutoCloseable {

    String name();

    /** The layer's type as written in model files, e.g. {@code conv2d}. */
    String type();

    /**
     * The output dims for input dims (batch first).
     *
     * @throws IllegalArgumentException naming the layer if the input does not fit it
     */
    int[] outputDims(int[] inputDims);

    Tensor forward(Tensor input, Mode mode);

    /**
     * @param gradOutput        dLoss/dOutput, shaped like the last forward's output
     * @param needInputGradient false for the first layer of a network
     */
    Tensor backward(Tensor gradOutput, boolean needInputGradient);

    /**
     * The output dims for the dims of the layer's inputs, in input order.
     *
     * @throws IllegalArgumentException naming the layer if it takes another number of inputs or they do not fit
     */
    default int[] outputDims(List<int[]> inputDims) {
        requireOneInput(inputDims.size());
        return outputDims(inputDims.get(0));
    }

    /** Forward over the layer's inputs, in input order (the contract of {@link #forward(Tensor, Mode)}). */
    default Tensor forward(List<Tensor> inputs, Mode mode) {
        requireOneInput(inputs.size());
        return forward(inputs.get(0), mode);
    }

    /**
     * Backward for a layer of several inputs: dLoss/dInput per input, in input order, null where
     * {@code needInputGradients} is false. The tensors are owned by the layer and only read by the caller; the
     * same tensor may be returned for several inputs.
     */
    default Tensor[] backward(Tensor gradOutput, boolean[] needInputGradients) {
        requireOneInput(needInputGradients.length);
        return new Tensor[] {backward(gradOutput, needInputGradients[0])};
    }

    private void requireOneInput(int inputs) {
        if (inputs != 1) {
            throw new IllegalArgumentException("layer " + name() + " (" + type() + ") takes one input, got " + inputs);
        }
    }

    /** Parameters and state (see {@link Parameter.Kind}), in a fixed order (empty for parameter-free layers). */
    List<Parameter> parameters();

    /** Bytes held and used in the last passes. */
    LayerMemory memory();

    /** Frees parameters and buffers. Idempotent. */
    @Override
    void close();
}
