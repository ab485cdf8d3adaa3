package org.sparkmec.engine.optim;

import java.util.List;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.nn.Parameter;

/**
 * Updates parameters in place from their gradients, keeping its state (momentum buffers, moments, the
 * step count) per parameter name.
 *
 * <p>State is allocated on the first step that sees a name and kept on the Java heap, or, after a
 * {@link #step(Backend, List, double)} on a backend with optimizer kernels, in that backend's buffers. A
 * parameter not passed to a step keeps its state unchanged. {@link #state()} and {@link #load} move the whole state to
 * and from a checkpoint: an optimizer that loads the state of another with the same settings continues
 * exactly as the other would have, bit for bit.
 *
 * <p>Parameters of {@link org.sparkmec.engine.nn.Parameter.Kind#STATE} (batch normalisation's running
 * statistics) are not trained: a step adds their "gradient", the (averaged) change of the step, to the value as
 * is, and keeps no state for them.
 *
 * <p>Thread affinity: one thread at a time; the tensors must not be written concurrently with a step.
 */
public interface Optimizer {

    OptimizerKind kind();

    /**
     * One update of every parameter in {@code params}: reads {@link Parameter#gradient()} (already averaged
     * over the batch by the caller) and overwrites {@link Parameter#value()}. The equations are those of the
     * implementation. Everything is checked before anything is written, so a rejected step changes nothing.
     *
     * @param learningRate the rate of this step, finite and {@code >= 0} (usually from a
     *                     {@link LearningRateSchedule})
     * @throws IllegalArgumentException if the learning rate is negative or not finite, two parameters
     *                                  share a name, a parameter's size differs from that of its state, or
     *                                  (on the first step after {@link #load}) the names differ from the
     *                                  loaded ones
     * @throws IllegalStateException    if a tensor is closed
     */
    void step(List<Parameter> params, double learningRate);

    /**
     * {@link #step(List, double)} where the parameters live: on a backend with
     * {@link Backend#optimizerKernels() optimizer kernels} (CUDA) the update runs there, with the state kept in
     * that backend's buffers, and nothing is copied to or from the host; the results are the same bits as
     * {@link #step(List, double)}'s. Elsewhere it is {@link #step(List, double)}. Asynchronous on such a backend:
     * a rejected step throws before anything is issued. Call {@link #releaseDeviceState()} before the backend
     * closes.
     *
     * @param backend the backend that holds the parameters' tensors
     * @throws IllegalArgumentException as {@link #step(List, double)}, or if a tensor is not the backend's
     */
    void step(Backend backend, List<Parameter> params, double learningRate);

    /**
     * Moves any state held in a backend's buffers (by {@link #step(Backend, List, double)}) to the heap and frees
     * those buffers; nothing is lost, and a later device step moves it back. Idempotent.
     */
    void releaseDeviceState();

    /**
     * Begins one update of every parameter in {@code params} on flat vectors instead of the parameters' tensors:
     * the weights and the (averaged) gradients of all of them, one after another in list order (the
     * {@code ParameterVector} layout). Checks as {@link #step} and counts the step now; the returned
     * {@link FlatStep} then updates any ranges of the vectors, each element exactly once, with the same
     * arithmetic per element as {@link #step}: the result equals {@link #step}'s bit for bit however the range
     * is split. The parameters' tensors are neither read nor written.
     *
     * <p>Thread affinity: {@code flatStep} on one thread; the returned step's {@link FlatStep#update} may run on
     * several threads at once for disjoint ranges, and must be finished before the next call of this optimizer.
     *
     * @throws IllegalArgumentException as {@link #step}
     */
    FlatStep flatStep(List<Parameter> params, double learningRate);

    /** One optimizer step on flat vectors, range by range (see {@link #flatStep}). */
    @FunctionalInterface
    interface FlatStep {
        /**
         * Updates the step's elements {@code [from, from + length)}: reads the weights at
         * {@code source[sourceAt..sourceAt+length)} and the gradients at {@code g[gAt..gAt+length)}, and writes
         * the new weights to {@code w[wAt..wAt+length)}. {@code source} may be {@code w} at the same offset (in
         * place); other overlaps are not allowed. The result is the same bits either way.
         *
         * @throws IndexOutOfBoundsException if the range lies outside the step's parameters
         */
        void update(float[] source, int sourceAt, float[] w, int wAt, float[] g, int gAt, int from, int length);

        /** {@link #update(float[], int, float[], int, float[], int, int, int)} in place: {@code w} is read and written. */
        default void update(float[] w, int wAt, float[] g, int gAt, int from, int length) {
            update(w, wAt, w, wAt, g, gAt, from, length);
        }
    }

    /** Number of steps taken (including those of a loaded state). */
    long steps();

    /** A copy of the whole state, parameters ordered by name; later steps do not change it. */
    OptimizerState state();

    /**
     * Replaces the state by a copy of {@code state}. The kind and the number of state arrays per parameter
     * are checked now; on the next step, the parameters must be exactly those of the state (same names,
     * same sizes), since resuming with others would not continue the same training. A state without
     * parameters (taken before the first step, or from plain SGD) only sets the step count.
     *
     * @throws IllegalArgumentException if the state is of another kind or holds another number of arrays
     *                                  per parameter than this optimizer keeps
     */
    void load(OptimizerState state);
}
