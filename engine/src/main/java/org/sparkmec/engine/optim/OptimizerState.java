package org.sparkmec.engine.optim;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A snapshot of an {@link Optimizer}'s state, for checkpoints.
 *
 * <p>{@code slots} maps each parameter name (in name order) to its state arrays, {@code slotsPerParameter}
 * of them, each holding one float per element of the parameter (row-major, as the tensor): for {@link Sgd}
 * with momentum the velocity {@code v}; for {@link Adam} the first moment {@code m} then the second moment
 * {@code v}; plain SGD keeps none, so its map is empty. {@code step} is the number of steps taken (Adam's
 * bias correction depends on it).
 *
 * <p>The record keeps the arrays it is given without copying them and hands out the same arrays: an
 * optimizer copies them in {@link Optimizer#load} and creates new ones in {@link Optimizer#state()}, so it
 * never shares arrays with a snapshot. Do not modify them. {@code equals} compares the array contents.
 *
 * @param kind              the optimizer that produced the state
 * @param slotsPerParameter state arrays per parameter, {@code >= 0}
 * @param step              steps taken, {@code >= 0}
 * @param slots             parameter name to its {@code slotsPerParameter} arrays of equal length
 */
public record OptimizerState(OptimizerKind kind, int slotsPerParameter, long step, SortedMap<String, float[][]> slots)
        implements Serializable {

    /**
     * @throws IllegalArgumentException if a count is negative or a parameter's arrays are not
     *                                  {@code slotsPerParameter} arrays of one length
     */
    public OptimizerState(OptimizerKind kind, int slotsPerParameter, long step, Map<String, float[][]> slots) {
        this(kind, slotsPerParameter, step, slots instanceof SortedMap<String, float[][]> sorted
                ? sorted : new TreeMap<>(Objects.requireNonNull(slots, "slots")));
    }

    public OptimizerState {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(slots, "slots");
        if (slotsPerParameter < 0) {
            throw new IllegalArgumentException("slots per parameter must be >= 0, got " + slotsPerParameter);
        }
        if (step < 0) {
            throw new IllegalArgumentException("step count must be >= 0, got " + step);
        }
        TreeMap<String, float[][]> copy = new TreeMap<>();
        for (Map.Entry<String, float[][]> e : slots.entrySet()) {
            String name = Objects.requireNonNull(e.getKey(), "parameter name");
            float[][] arrays = Objects.requireNonNull(e.getValue(), name);
            if (arrays.length != slotsPerParameter) {
                throw new IllegalArgumentException("state of parameter " + name + " holds " + arrays.length
                        + " arrays, expected " + slotsPerParameter + " (slots per parameter)");
            }
            for (int i = 0; i < arrays.length; i++) {
                Objects.requireNonNull(arrays[i], name);
                if (arrays[i].length != arrays[0].length) {
                    throw new IllegalArgumentException("state array " + i + " of parameter " + name + " holds "
                            + arrays[i].length + " values but array 0 holds " + arrays[0].length
                            + "; all arrays of a parameter have its size");
                }
            }
            copy.put(name, arrays);
        }
        slots = Collections.unmodifiableSortedMap(copy);
    }

    /** The number of elements of parameter {@code name} as recorded here, or -1 if it has no state. */
    public long parameterSize(String name) {
        float[][] arrays = slots.get(name);
        return arrays == null || arrays.length == 0 ? -1 : arrays[0].length;
    }

    /** Total number of floats held, for logging checkpoint sizes. */
    public long numFloats() {
        long n = 0;
        for (float[][] arrays : slots.values()) {
            for (float[] a : arrays) {
                n += a.length;
            }
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof OptimizerState other) || kind != other.kind || slotsPerParameter != other.slotsPerParameter
                || step != other.step || !slots.keySet().equals(other.slots.keySet())) {
            return false;
        }
        for (Map.Entry<String, float[][]> e : slots.entrySet()) {
            if (!Arrays.deepEquals(e.getValue(), other.slots.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = Objects.hash(kind, slotsPerParameter, step);
        for (Map.Entry<String, float[][]> e : slots.entrySet()) {
            h = 31 * h + e.getKey().hashCode();
            h = 31 * h + Arrays.deepHashCode(e.getValue());
        }
        return h;
    }

    @Override
    public String toString() {
        return "OptimizerState[" + kind.configName() + ", step " + step + ", " + slots.size() + " parameters x "
                + slotsPerParameter + " arrays, " + numFloats() + " floats]";
    }
}
