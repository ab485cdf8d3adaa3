package org.sparkmec.engine.nn;

import java.util.List;
import org.sparkmec.engine.tensor.Tensor;

/**
 * One layer of a sequential network, with forward and backward passes on a backend.
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

    /** Trainable parameters, in a fixed order (empty for parameter-free layers). */
    List<Parameter> parameters();

    /** Bytes held and used in the last passes. */
    LayerMemory memory();

    /** Frees parameters and buffers. Idempotent. */
    @Override
    void close();
}
