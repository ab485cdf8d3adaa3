package org.sparkmec.engine.optim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.backend.OptimizerKernels;
import org.sparkmec.engine.nn.Parameter;
import org.sparkmec.engine.tensor.FloatStorage;

/**
 * The common part of the optimizers: per-name state arrays ("slots"), the step count, checks, state export
 * and import, and the chunked copy of values and gradients between the tensors' storage and the heap.
 * Subclasses supply the element-wise update of one chunk, and the same update as a backend kernel. Parameters of
 * {@link Parameter.Kind#STATE} are not trained: their "gradient" is the change the step asks for, added to the value
 * as is ({@code w += g}), with no slots, learning rate or weight decay, on the heap or on the backend alike.
 *
 * <p>A parameter's state lives in one place at a time: on the heap, or (after a {@link #step(Backend, List,
 * double)} on a backend with {@link OptimizerKernels}) in that backend's buffers, moved on demand by the
 * other kind of step, {@link #state()} (a copy) and {@link #releaseDeviceState()}.
 */
abstract class SlotOptimizer implements Optimizer {
    /** Floats per host copy of a value or gradient (64 KiB): bounded heap use, any tensor size. */
    static final int CHUNK = 1 << 14;
    private static final float[][] NO_SLOTS = new float[0][];

    private static final FloatStorage[] NO_DEVICE_SLOTS = new FloatStorage[0];

    private final Map<String, float[][]> slots = new HashMap<>();
    /** State held in a backend's buffers, by name; a name is never in both maps. */
    private final Map<String, FloatStorage[]> deviceSlots = new HashMap<>();
    private long steps;
    /** The names of a loaded state, checked against the parameters of the next step; null when checked. */
    private Set<String> loadedNames;
    private float[] valueChunk = new float[0];
    private float[] gradientChunk = new float[0];
    /** Changes whenever a parameter's state arrays are moved to or from a backend, or a state is loaded. */
    private long stateVersion;
    /** The checked parameters of the last {@link #flatStep} and their state arrays, or null. */
    private FlatLayout flatLayout;

    /** Number of state arrays per parameter, each of the parameter's size. */
    abstract int slotsPerParameter();

    /**
     * Writes to {@code w[wAt..wAt+length)} the update of the weights {@code src[srcAt..srcAt+length)} by
     * {@code g[gAt..gAt+length)} ({@code src} may be {@code w} at the same offset: in place); these are the
     * elements {@code offset..offset+length} of the parameter, whose state is {@code slots[k][offset..]}. Each
     * element's result depends only on that element, so disjoint ranges may be updated concurrently.
     *
     * @param t the number of this step, from 1
     */
    abstract void update(float[] src, int srcAt, float[] w, int wAt, float[] g, int gAt, int length, float[][] slots,
                         int offset, double learningRate, long t);

    /**
     * The update of {@link #update} over a whole parameter, as a kernel of {@code kernels}, on the buffers
     * of the parameter's value and gradient and of its state ({@link #slotsPerParameter()} buffers).
     */
    abstract void deviceUpdate(OptimizerKernels kernels, FloatStorage w, FloatStorage g, FloatStorage[] slots,
                               long length, double learningRate, long t);

    @Override
    public final void step(Backend backend, List<Parameter> params, double learningRate) {
        Objects.requireNonNull(backend, "backend");
        Optional<OptimizerKernels> kernels = backend.optimizerKernels();
        if (kernels.isEmpty()) {
            step(params, learningRate);
            return;
        }
        Objects.requireNonNull(params, "params");
        Checks.nonNegative("learning rate", learningRate);
        check(params);
        long t = steps + 1;
        for (Parameter p : params) {
            if (p.trainable()) {
                deviceUpdate(kernels.get(), p.value().storage(), p.gradient().storage(), deviceSlotsOf(backend, p),
                        p.numElements(), learningRate, t);
            } else {
                backend.nnKernels().add(p.value().storage(), p.gradient().storage(), p.value().storage(),
                        p.numElements());
            }
        }
        steps = t;
    }

    /** The parameter's state in {@code backend}'s buffers, moved from the heap or zero-filled the first time. */
    private FloatStorage[] deviceSlotsOf(Backend backend, Parameter p) {
        if (slotsPerParameter() == 0) {
            return NO_DEVICE_SLOTS;
        }
        FloatStorage[] state = deviceSlots.get(p.name());
        if (state == null) {
            float[][] host = slots.remove(p.name());
            state = new FloatStorage[slotsPerParameter()];
            try {
                for (int i = 0; i < state.length; i++) {
                    if (host == null) {
                        state[i] = backend.allocate(p.numElements());
                    } else {
                        state[i] = backend.allocateForOverwrite(host[i].length);
                        state[i].copyFrom(host[i], 0, 0, host[i].length);
                    }
                }
            } catch (RuntimeException e) {
                closeAll(state);
                if (host != null) {
                    slots.put(p.name(), host);
                }
                throw e;
            }
            deviceSlots.put(p.name(), state);
            stateVersion++;
        }
        return state;
    }

    @Override
    public final void releaseDeviceState() {
        for (String name : new ArrayList<>(deviceSlots.keySet())) {
            slots.put(name, download(deviceSlots.remove(name), true));
            stateVersion++;
        }
    }

    /** The buffers' contents as arrays; closes the buffers when {@code close}. */
    private static float[][] download(FloatStorage[] state, boolean close) {
        float[][] host = new float[state.length][];
        try {
            for (int i = 0; i < state.length; i++) {
                host[i] = new float[Math.toIntExact(state[i].length())];
                state[i].copyTo(0, host[i], 0, host[i].length);
            }
        } finally {
            if (close) {
                closeAll(state);
            }
        }
        return host;
    }

    private static void closeAll(FloatStorage[] state) {
        for (FloatStorage s : state) {
            if (s != null) {
                s.close();
            }
        }
    }

    @Override
    public final void step(List<Parameter> params, double learningRate) {
        Objects.requireNonNull(params, "params");
        Checks.nonNegative("learning rate", learningRate);
        check(params);
        long t = steps + 1;
        for (Parameter p : params) {
            int n = (int) p.numElements();
            float[][] state = slotsOf(p);
            FloatStorage value = p.value().storage();
            FloatStorage gradient = p.gradient().storage();
            int chunk = Math.min(CHUNK, n);
            if (valueChunk.length < chunk) {
                valueChunk = new float[chunk];
                gradientChunk = new float[chunk];
            }
            for (int off = 0; off < n; off += CHUNK) {
                int len = Math.min(CHUNK, n - off);
                value.copyTo(off, valueChunk, 0, len);
                gradient.copyTo(off, gradientChunk, 0, len);
                if (p.trainable()) {
                    update(valueChunk, 0, valueChunk, 0, gradientChunk, 0, len, state, off, learningRate, t);
                } else {
                    addChange(valueChunk, 0, valueChunk, 0, gradientChunk, 0, len);
                }
                value.copyFrom(valueChunk, 0, off, len);
            }
        }
        steps = t;
    }

    /** A state parameter's update: {@code w[wAt + i] = src[srcAt + i] + g[gAt + i]}. */
    private static void addChange(float[] src, int srcAt, float[] w, int wAt, float[] g, int gAt, int length) {
        for (int i = 0; i < length; i++) {
            w[wAt + i] = src[srcAt + i] + g[gAt + i];
        }
    }

    private float[][] slotsOf(Parameter p) {
        int n = (int) p.numElements();
        if (slotsPerParameter() == 0 || !p.trainable()) {
            return NO_SLOTS;
        }
        FloatStorage[] onDevice = deviceSlots.remove(p.name());
        if (onDevice != null) {
            slots.put(p.name(), download(onDevice, true));
            stateVersion++;
        }
        return slots.computeIfAbsent(p.name(), name -> new float[slotsPerParameter()][n]);
    }

    // The checks and the state arrays are prepared once (prepare) and reused by later calls with the same
    // parameter instances in the same order while no state was loaded or moved to or from a backend: a driver
    // calls this once per step with the same list.
    @Override
    public final FlatStep flatStep(List<Parameter> params, double learningRate) {
        Objects.requireNonNull(params, "params");
        Checks.nonNegative("learning rate", learningRate);
        FlatLayout layout = flatLayout;
        if (layout != null && layout.holds(params, stateVersion)) {
            for (Parameter p : layout.params()) {
                p.value().checkOpen();
                p.gradient().checkOpen();
            }
        } else {
            flatLayout = null;
            check(params);
            layout = prepare(params);
            flatLayout = layout;
        }
        long t = steps + 1;
        steps = t;
        FlatLayout l = layout;
        return (src, srcAt, w, wAt, g, gAt, from, length) -> l.update(this, src, srcAt, w, wAt, g, gAt, from, length,
                learningRate, t);
    }

    /** The state arrays and offsets of checked {@code params}, creating missing state. */
    private FlatLayout prepare(List<Parameter> params) {
        Parameter[] list = params.toArray(new Parameter[0]);
        float[][][] state = new float[list.length][][];
        long[] starts = new long[list.length + 1];
        for (int i = 0; i < list.length; i++) {
            state[i] = slotsOf(list[i]);
            starts[i + 1] = starts[i] + list[i].numElements();
        }
        return new FlatLayout(list, stateVersion, state, starts);
    }

    /**
     * Checked parameters of a {@link #flatStep}, in order, with their state arrays ({@code state[k]}) and the offset
     * of each in the flat vectors ({@code starts[k]}, and the total at the end); valid while the optimizer's state
     * version is {@code version}.
     */
    private record FlatLayout(Parameter[] params, long version, float[][][] state, long[] starts) {
        /** Whether {@code list} holds exactly these parameter instances, in order, and the state is unchanged. */
        boolean holds(List<Parameter> list, long currentVersion) {
            if (currentVersion != version || list.size() != params.length) {
                return false;
            }
            for (int i = 0; i < params.length; i++) {
                if (list.get(i) != params[i]) {
                    return false;
                }
            }
            return true;
        }

        /** {@link FlatStep#update} of {@code optimizer}'s step {@code t} at {@code learningRate}. */
        void update(SlotOptimizer optimizer, float[] src, int srcAt, float[] w, int wAt, float[] g, int gAt, int from,
                    int length, double learningRate, long t) {
            long total = starts[starts.length - 1];
            if (from < 0 || length < 0 || from + (long) length > total) {
                throw new IndexOutOfBoundsException("range [" + from + ", " + (from + (long) length)
                        + ") outside the " + total + " elements of the step's parameters");
            }
            int k = java.util.Arrays.binarySearch(starts, from);
            k = k >= 0 ? k : -k - 2;
            int done = 0;
            while (done < length) {
                while (starts[k + 1] <= from + done) {
                    k++;
                }
                int offset = (int) (from + done - starts[k]);
                int len = (int) Math.min(length - done, starts[k + 1] - (from + done));
                if (params[k].trainable()) {
                    optimizer.update(src, srcAt + done, w, wAt + done, g, gAt + done, len, state[k], offset,
                            learningRate, t);
                } else {
                    addChange(src, srcAt + done, w, wAt + done, g, gAt + done, len);
                }
                done += len;
            }
        }
    }

    private void check(List<Parameter> params) {
        Set<String> names = new HashSet<>();
        for (Parameter p : params) {
            Objects.requireNonNull(p, "parameter");
            if (!names.add(p.name())) {
                throw new IllegalArgumentException("two parameters named " + p.name() + " in one step; names key the "
                        + "optimizer state and must be unique");
            }
            p.value().checkOpen();
            p.gradient().checkOpen();
            long n = p.numElements();
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("parameter " + p.name() + " has " + n
                        + " elements; the optimizer state of one parameter holds at most " + (Integer.MAX_VALUE - 8));
            }
            long held = stateLength(p.name());
            if (held >= 0 && held != n) {
                throw new IllegalArgumentException("parameter " + p.name() + " has " + n + " elements but its "
                        + (loadedNames != null ? "loaded " : "") + "optimizer state holds " + held);
            }
            if (loadedNames != null && p.trainable() && !loadedNames.contains(p.name())) {
                throw new IllegalArgumentException("parameter " + p.name() + " (" + n + " elements) has no entry in the "
                        + "loaded optimizer state, which holds " + describe(loadedNames));
            }
        }
        if (loadedNames != null) {
            Set<String> missing = new TreeSet<>(loadedNames);
            missing.removeAll(names);
            if (!missing.isEmpty()) {
                List<String> sized = new ArrayList<>();
                for (String name : missing) {
                    sized.add(name + " (" + slots.get(name)[0].length + " elements)");
                }
                throw new IllegalArgumentException("the loaded optimizer state holds " + missing.size()
                        + " parameters that are not among the " + params.size() + " parameters of this step: "
                        + abbreviate(sized));
            }
            loadedNames = null;
        }
    }

    /** The number of elements of the state of {@code name}, wherever it is held, or -1 if there is none. */
    private long stateLength(String name) {
        float[][] host = slots.get(name);
        if (host != null && host.length > 0) {
            return host[0].length;
        }
        FloatStorage[] device = deviceSlots.get(name);
        return device != null && device.length > 0 ? device[0].length() : -1;
    }

    private static String describe(Set<String> names) {
        return names.size() + " parameters: " + abbreviate(new ArrayList<>(new TreeSet<>(names)));
    }

    private static String abbreviate(List<String> items) {
        int shown = Math.min(items.size(), 8);
        return String.join(", ", items.subList(0, shown)) + (shown < items.size() ? ", ..." : "");
    }

    @Override
    public final long steps() {
        return steps;
    }

    @Override
    public final OptimizerState state() {
        TreeMap<String, float[][]> copy = new TreeMap<>();
        slots.forEach((name, arrays) -> copy.put(name, deepCopy(arrays)));
        deviceSlots.forEach((name, buffers) -> copy.put(name, download(buffers, false)));
        return new OptimizerState(kind(), slotsPerParameter(), steps, copy);
    }

    @Override
    public final void load(OptimizerState state) {
        Objects.requireNonNull(state, "state");
        if (state.kind() != kind()) {
            throw new IllegalArgumentException("cannot load " + state.kind().configName() + " optimizer state into "
                    + this);
        }
        if (state.slotsPerParameter() != slotsPerParameter()) {
            throw new IllegalArgumentException("cannot load optimizer state with " + state.slotsPerParameter()
                    + " arrays per parameter into " + this + ", which keeps " + slotsPerParameter()
                    + " (was the checkpoint written with other settings?)");
        }
        deviceSlots.values().forEach(SlotOptimizer::closeAll);
        deviceSlots.clear();
        slots.clear();
        state.slots().forEach((name, arrays) -> slots.put(name, deepCopy(arrays)));
        steps = state.step();
        loadedNames = slots.isEmpty() ? null : new HashSet<>(slots.keySet());
        stateVersion++;
    }

    private static float[][] deepCopy(float[][] arrays) {
        float[][] copy = new float[arrays.length][];
        for (int i = 0; i < arrays.length; i++) {
            copy[i] = arrays[i].clone();
        }
        return copy;
    }
}
