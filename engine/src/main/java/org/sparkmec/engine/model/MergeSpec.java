package org.sparkmec.engine.model;

import java.util.List;

/**
 * A layer that merges two or more named inputs ({@code add}, {@code concat}); its one-input form of
 * {@link #outputShape(ActivationShape)} goes to the list form and so fails, as a merge of one input is refused
 * ({@link Checks#twoOrMoreInputs}).
 */
sealed interface MergeSpec extends LayerSpec permits AddSpec, ConcatSpec {

    /** Always fails: a merge takes at least two inputs. */
    @Override
    default ActivationShape outputShape(ActivationShape input) {
        return outputShape(List.of(input));
    }

    @Override
    ActivationShape outputShape(List<ActivationShape> inputs);
}
