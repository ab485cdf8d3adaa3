package org.sparkmec.engine.nn;

import java.util.List;
import java.util.function.Function;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Moves the values or gradients of a list of parameters to and from one flat {@code float[]}: the
 * parameters' row-major values one after another, in list order (a network's {@link Network#parameters()}
 * order). This is the wire format of weights and gradients in data-parallel training.
 *
 * <p>Unchecked beyond the total length: the caller passes the same parameter list on both sides.
 */
public final class ParameterVector {
    private ParameterVector() {
    }

    /** Total number of scalars of {@code params}. */
    public static int size(List<Parameter> params) {
        long n = 0;
        for (Parameter p : params) {
            n += p.numElements();
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(n + " parameters do not fit one Java array");
        }
        return (int) n;
    }

    /** Copies every parameter's value into {@code dst} (length {@link #size}). */
    public static void gatherValues(List<Parameter> params, float[] dst) {
        copy(params, dst, Parameter::value, true);
    }

    /** Copies every parameter's gradient into {@code dst} (length {@link #size}). */
    public static void gatherGradients(List<Parameter> params, float[] dst) {
        copy(params, dst, Parameter::gradient, true);
    }

    /** Overwrites every parameter's value from {@code src} (length {@link #size}). */
    public static void scatterValues(List<Parameter> params, float[] src) {
        copy(params, src, Parameter::value, false);
    }

    /** Overwrites every parameter's gradient from {@code src} (length {@link #size}). */
    public static void scatterGradients(List<Parameter> params, float[] src) {
        copy(params, src, Parameter::gradient, false);
    }

    /** Walks the parameters' tensors in order, copying each into ({@code gather}) or from {@code array}. */
    private static void copy(List<Parameter> params, float[] array, Function<Parameter, Tensor> tensor, boolean gather) {
        check(params, array);
        int at = 0;
        for (Parameter p : params) {
            int n = (int) p.numElements();
            if (gather) {
                tensor.apply(p).storage().copyTo(0, array, at, n);
            } else {
                tensor.apply(p).storage().copyFrom(array, at, 0, n);
            }
            at += n;
        }
    }

    private static void check(List<Parameter> params, float[] array) {
        int n = size(params);
        if (array.length != n) {
            throw new IllegalArgumentException("a parameter vector of these " + params.size() + " parameters holds " + n
                    + " floats, got " + array.length);
        }
    }
}
