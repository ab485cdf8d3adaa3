package org.sparkmec.engine.nn;

import java.util.Arrays;
import java.util.List;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Channel concatenation of two or more inputs (the branches of an Inception block): NHWC inputs
 * {@code (n, h, w, c_i)} of one batch size, height and width give NHWC {@code (n, h, w, c_1 + ... + c_k)}, input
 * {@code i} in channels {@code [c_1 + ... + c_(i-1), c_1 + ... + c_i)} of every pixel; flat MATRIX inputs
 * {@code (n, f_i)} give {@code (n, f_1 + ... + f_k)} by the same rule, features for channels. The inputs are all
 * NHWC or all MATRIX.
 *
 * <p>The backward pass gives each input whose gradient is needed the slice of the output gradient for its channel
 * range, copied into a buffer of the layer's per input (owned by the layer, valid until its next backward pass or
 * close, and counted in {@link #memory()} with the output).
 */
public final class ConcatLayer extends MergeLayer {
    /** One input-gradient buffer per input; grown when a forward pass has more inputs than the last. */
    private LayerBuffers[] inputGradients = new LayerBuffers[0];
    private Layout layout;
    private int[][] inputDims;
    private int[] outputDims;

    public ConcatLayer(Backend backend, String name) {
        super(backend, name);
    }

    @Override
    public String type() {
        return "concat";
    }

    /**
     * {@code (n, h, w, sum of c_i)} for NHWC input dims, {@code (n, sum of f_i)} for flat ones.
     *
     * @throws IllegalArgumentException naming the layer for fewer than 2 inputs, a mix of NHWC and flat inputs,
     *                                  inputs that differ in a dim other than the last, or more than
     *                                  {@code 2^31 - 1} output channels
     */
    @Override
    public int[] outputDims(List<int[]> dims) {
        requireTwoOrMoreInputs(dims.size());
        int[] first = dims.get(0);
        long channels = 0;
        for (int i = 0; i < dims.size(); i++) {
            int[] d = dims.get(i);
            if ((d.length != 4 && d.length != 2) || d.length != first.length) {
                throw new IllegalArgumentException("layer " + name() + " (concat): inputs must be all NHWC (n, h, w, c)"
                        + " or all flat (n, features), got " + Arrays.toString(first) + " (input 1) and "
                        + Arrays.toString(d) + " (input " + (i + 1) + ")");
            }
            if (!Arrays.equals(d, 0, d.length - 1, first, 0, first.length - 1)) {
                throw new IllegalArgumentException("layer " + name() + " (concat): inputs must agree in every dim but"
                        + " the last (channels), got " + Arrays.toString(first) + " (input 1) and "
                        + Arrays.toString(d) + " (input " + (i + 1) + ")");
            }
            channels += d[d.length - 1];
        }
        if (channels > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("layer " + name() + " (concat): " + channels + " output channels, more"
                    + " than " + Integer.MAX_VALUE);
        }
        int[] out = first.clone();
        out[out.length - 1] = (int) channels;
        return out;
    }

    /**
     * @param inputs NHWC tensors, or MATRIX tensors, fitting {@link #outputDims(List)}; read, not kept past the call
     * @return the concatenation, owned by the layer (valid until its next forward pass or close)
     * @throws IllegalArgumentException as {@link #outputDims(List)}, or for an input of another layout
     */
    @Override
    public Tensor forward(List<Tensor> inputs, Mode mode) {
        int[] outDims = outputDims(inputs.stream().map(Tensor::dims).toList());
        Layout expected = outDims.length == 4 ? Layout.NHWC : Layout.MATRIX;
        for (int i = 0; i < inputs.size(); i++) {
            if (inputs.get(i).layout() != expected) {
                throw new IllegalArgumentException("layer " + name() + " (concat): inputs of rank " + outDims.length
                        + " must be " + expected + " activations, got " + inputs.get(i) + " (input " + (i + 1) + ")");
            }
        }
        Tensor out = output.get(expected, outDims);
        int outChannels = outDims[outDims.length - 1];
        int[][] dims = new int[inputs.size()][];
        int offset = 0;
        for (int i = 0; i < inputs.size(); i++) {
            Tensor in = inputs.get(i);
            dims[i] = in.dims();
            int channels = dims[i][dims[i].length - 1];
            backend.nnKernels().copyChannels(in.storage(), channels, 0, out.storage(), outChannels, offset,
                    in.numElements() / channels, channels);
            offset += channels;
        }
        layout = expected;
        inputDims = dims;
        outputDims = outDims;
        growInputGradients(inputs.size());
        return out;
    }

    /**
     * @param gradOutput         dLoss/dOutput, shaped like the last forward pass's output
     * @param needInputGradients one flag per input of the last forward pass
     * @return per input its slice of {@code gradOutput} (dims of that input), or null where not needed
     * @throws IllegalStateException    before any forward pass
     * @throws IllegalArgumentException for another number of flags or another gradient shape
     */
    @Override
    public Tensor[] backward(Tensor gradOutput, boolean[] needInputGradients) {
        if (inputDims == null) {
            throw backwardBeforeForward(name());
        }
        if (needInputGradients.length != inputDims.length) {
            throw new IllegalArgumentException("layer " + name() + " (concat): " + needInputGradients.length
                    + " input-gradient flags for the last forward pass's " + inputDims.length + " inputs");
        }
        if (!Arrays.equals(gradOutput.dims(), outputDims)) {
            throw new IllegalArgumentException("layer " + name() + " (concat): the output gradient must have the"
                    + " output's dims " + Arrays.toString(outputDims) + ", got " + Arrays.toString(gradOutput.dims()));
        }
        int outChannels = outputDims[outputDims.length - 1];
        Tensor[] grads = new Tensor[inputDims.length];
        int offset = 0;
        for (int i = 0; i < inputDims.length; i++) {
            int channels = inputDims[i][inputDims[i].length - 1];
            if (needInputGradients[i]) {
                grads[i] = inputGradients[i].get(layout, inputDims[i]);
                backend.nnKernels().copyChannels(gradOutput.storage(), outChannels, offset, grads[i].storage(),
                        channels, 0, grads[i].numElements() / channels, channels);
            }
            offset += channels;
        }
        return grads;
    }

    /** The output and the input gradients, each the largest it was (bytes). */
    @Override
    public LayerMemory memory() {
        long bytes = output.bytes();
        for (LayerBuffers b : inputGradients) {
            bytes += b.bytes();
        }
        return new LayerMemory(0, 0, bytes, 0, 0);
    }

    @Override
    public void close() {
        super.close();
        for (LayerBuffers b : inputGradients) {
            b.close();
        }
    }

    private void growInputGradients(int inputs) {
        if (inputGradients.length < inputs) {
            LayerBuffers[] grown = Arrays.copyOf(inputGradients, inputs);
            for (int i = inputGradients.length; i < inputs; i++) {
                grown[i] = new LayerBuffers(backend);
            }
            inputGradients = grown;
        }
    }
}
