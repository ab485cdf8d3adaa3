package org.sparkmec.engine.nn;

import java.util.List;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Base of the parameter-free layers that merge two or more inputs ({@link AddLayer}, {@link ConcatLayer}): they
 * implement the list forms of {@link Layer}; the single-input forms go to those and so fail, as a merge of one input
 * is refused.
 */
abstract class MergeLayer extends ParameterFreeLayer {

    MergeLayer(Backend backend, String name) {
        super(backend, name);
    }

    @Override
    public abstract int[] outputDims(List<int[]> inputDims);

    @Override
    public abstract Tensor forward(List<Tensor> inputs, Mode mode);

    @Override
    public abstract Tensor[] backward(Tensor gradOutput, boolean[] needInputGradients);

    /** Always fails: a merge takes at least two inputs. */
    @Override
    public final int[] outputDims(int[] inputDims) {
        return outputDims(List.of(inputDims));
    }

    /** Always fails: a merge takes at least two inputs. */
    @Override
    public final Tensor forward(Tensor input, Mode mode) {
        return forward(List.of(input), mode);
    }

    @Override
    public final Tensor backward(Tensor gradOutput, boolean needInputGradient) {
        return backward(gradOutput, new boolean[] {needInputGradient})[0];
    }

    /** @throws IllegalArgumentException naming the layer and its type for fewer than 2 inputs */
    final void requireTwoOrMoreInputs(int inputs) {
        if (inputs < 2) {
            throw new IllegalArgumentException("layer " + name() + " (" + type() + ") takes at least 2 inputs, got "
                    + inputs);
        }
    }
}
