package org.sparkmec.engine.nn;

import java.util.List;

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
        check(params, dst);
        int at = 0;
        for (Parameter p : params) {
            int n = (int) p.numElements();
            p.value().storage().copyTo(0, dst, at, n);
            at += n;
        }
    }

    /** Copies every parameter's gradient into {@code dst} (length {@link #size}). */
    public static void gatherGradients(List<Parameter> params, float[] dst) {
        check(params, dst);
        int at = 0;
        for (Parameter p : params) {
            int n = (int) p.numElements();
            p.gradient().storage().copyTo(0, dst, at, n);
            at += n;
        }
    }

    /** Overwrites every parameter's value from {@code src} (length {@link #size}). */
    public static void scatterValues(List<Parameter> params, float[] src) {
        check(params, src);
        int at = 0;
        for (Parameter p : params) {
            int n = (int) p.numElements();
            p.value().storage().copyFrom(src, at, 0, n);
            at += n;
        }
    }

    /** Overwrites every parameter's gradient from {@code src} (length {@link #size}). */
    public static void scatterGradients(List<Parameter> params, float[] src) {
        check(params, src);
        int at = 0;
        for (Parameter p : params) {
            int n = (int) p.numElements();
            p.gradient().storage().copyFrom(src, at, 0, n);
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
